from aiogram.fsm.state import State, StatesGroup


class Report(StatesGroup):
    """Filing a report, one question at a time."""

    confirm = State()  # "is this the right category?"
    describe = State()  # only when the category was picked from buttons
    location = State()
    duplicate = State()
    photo = State()
    attribute = State()
    summary = State()


class Conversation(StatesGroup):
    writing = State()  # a message about one of the resident's tickets
    rating_comment = State()  # after "was it fixed?": an optional comment
