"""The scripted fake of the Messages API (tests/support/fake_model.py) on its own, over real HTTP: the step
is chosen from the request alone, requests without tools get a short text, answers stream as SSE, and a
script that runs out is recorded as a problem."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from tests.support.fake_model import FakeModel, text, tool_use

SAVED = '{"id": "p1"}'
TOOLS = [{"name": "mcp__plugin_psn_psn__save_draft", "input_schema": {"type": "object"}}]


def events(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def ask(model: FakeModel, messages: list[dict[str, Any]], tools: list[dict[str, Any]] = TOOLS) -> list[dict[str, Any]]:
    body = {"model": "m", "stream": True, "messages": messages, "tools": tools}
    answer = httpx2.post(f"{model.url}/v1/messages?beta=true", json=body, timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/event-stream"
    return events(answer.text)


def test_steps_follow_the_assistant_messages_and_use_earlier_results() -> None:
    steps = [
        [text("Saving."), tool_use("save_draft", idea="bread")],
        lambda convo: [text(f"Saved {convo.tool_result('save_draft')['id']}.")],
    ]
    with FakeModel(steps) as model:
        first = ask(model, [{"role": "user", "content": "/psn:post"}])
        again = ask(model, [{"role": "user", "content": "/psn:post"}])  # a retry gets the same step
        call = first[4]["content_block"]
        convo = [
            {"role": "user", "content": "/psn:post"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": call["id"], "name": call["name"]}]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": '{"id": "p1"}'}],
            },
        ]
        second = ask(model, convo)
        side = ask(model, [{"role": "user", "content": "a title please"}], tools=[])
    kinds = [e["type"] for e in first]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    assert call["name"] == "mcp__plugin_psn_psn__save_draft"
    assert json.loads(first[5]["delta"]["partial_json"]) == {"idea": "bread"}
    assert first[-2]["delta"]["stop_reason"] == "tool_use"
    assert [e["type"] for e in again] == kinds and again[0]["message"]["id"] != first[0]["message"]["id"]
    assert second[2]["delta"]["text"] == "Saved p1." and second[-2]["delta"]["stop_reason"] == "end_turn"
    assert side[2]["delta"]["text"] == "OK"
    assert model.problems == [] and len(model.step_requests) == 3 and len(model.requests) == 4


def test_a_script_that_runs_out_is_recorded() -> None:
    with FakeModel([[text("Only step.")]]) as model:
        ask(model, [{"role": "user", "content": "x"}, {"role": "assistant", "content": "Only step."}])
    (problem,) = model.problems
    assert "asked for step 2 but the script has 1 steps" in problem


def test_count_tokens_and_the_probe_are_answered() -> None:
    with FakeModel() as model:
        counted = httpx2.post(f"{model.url}/v1/messages/count_tokens", json={"messages": []}, timeout=10)
        probe = httpx2.head(model.url, timeout=10)
    assert counted.json() == {"input_tokens": 1000} and probe.status_code == 404
    assert model.requests == []
