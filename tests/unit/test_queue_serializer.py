"""The queue's rows are JSON of a closed set of types: a pickled row is refused, never unpickled."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
from huey.registry import Message

from psn_core.queue import JsonSerializer, QueueDataRejected


class Boom:
    """What an attacker would pickle: unpickling it would run code."""

    ran = False

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (Boom.mark, ())

    @staticmethod
    def mark() -> None:
        Boom.ran = True


def test_a_task_message_round_trips() -> None:
    eta = datetime(2026, 11, 25, 14, 0, 30, tzinfo=UTC)
    message = Message("id-1", "huey.api.publish_target", eta, 0, 0, None, ("m", "t"), {}, expires=None)
    serializer = JsonSerializer()
    back = serializer.deserialize(serializer.serialize(message))
    assert back == message and isinstance(back, Message) and back.args == ("m", "t") and back.eta == eta
    assert serializer.deserialize(serializer.serialize((eta, True))) == (eta, True)  # huey's revoke record


def test_a_pickled_row_is_rejected_without_running_it() -> None:
    with pytest.raises(QueueDataRejected):
        JsonSerializer().deserialize(pickle.dumps(Boom()))
    assert Boom.ran is False


@pytest.mark.parametrize(
    "row", [b'{"__message__": {"not_a_field": 1}}', b'{"__object__": "os.system"}', b'{"a": 1, "b": 2}', b"\xff"]
)
def test_rows_outside_the_format_are_rejected(row: bytes) -> None:
    with pytest.raises(QueueDataRejected):
        JsonSerializer().deserialize(row)


def test_only_plain_data_is_written() -> None:
    with pytest.raises(TypeError):
        JsonSerializer().serialize(("ok", Boom()))
