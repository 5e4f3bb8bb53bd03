"""sendPhoto, sendDocument (uploads or existing file_ids) and getFile."""

from __future__ import annotations

from devtools.sandbox import files
from devtools.sandbox.api.chat_messages import formatted_caption, reply_parameters
from devtools.sandbox.api.registry import Call, method
from devtools.sandbox.errors import bad_request
from devtools.sandbox.markup import check_reply_markup
from devtools.sandbox.messages import add_bot_message, reply_to


@method("sendPhoto", sends_to_chat=True)
async def send_photo(call: Call) -> dict:
    return _send_media(call, "photo", lambda value: files.photo_from_input(call.state, value))


@method("sendDocument", sends_to_chat=True)
async def send_document(call: Call) -> dict:
    return _send_media(call, "document", lambda value: files.document_from_input(call.state, value))


@method("getFile")
async def get_file(call: Call) -> dict:
    stored = call.state.files.get(call.params.get_str("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    return files.file_object(stored)


def _send_media(call: Call, kind: str, resolve) -> dict:
    chat = call.state.chat(call.params.chat_id())
    caption = formatted_caption(call.params)
    markup = check_reply_markup(call.params.get_json("reply_markup"))
    replied = reply_to(chat, reply_parameters(call.params))
    # The file is stored last, so a refused request leaves nothing behind.
    media = resolve(call.params.input_file(kind))
    return add_bot_message(call.state, chat, {**replied, kind: media, **caption}, markup).message
