"""What people see and tap: callback data, states, filters, menus, texts, formatting, screens and push texts.
Handlers use it; it uses services' values and never handlers or bot."""
