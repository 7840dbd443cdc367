"""host-runner's MCP server, driven by the official MCP Python SDK (`mcp` on
PyPI) as an agent host would: over stdio, against the local warehouse, in a
workspace of its own.

Usage: python test_mcp.py PATH/TO/host-runner  (from tests/mcp_client/run)

Prints one line per check and ends with "mcp-client: N passed, M failed";
exits 1 if any check failed.
"""

import os
import sys
import time
import traceback
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

REPO = Path(__file__).resolve().parents[2]
TOOLS = ["generate_mock_data", "get_mock_data_status", "clean_mock_data"]
# The whole session; a minimal run takes a second or two.
DEADLINE_SECONDS = 180


def structured(result):
    """The tool's JSON answer: structuredContent (the text content is the same JSON)."""
    assert result.structured_content is not None, f"no structuredContent: {result}"
    return result.structured_content


async def list_tools(session, state):
    tools = (await session.list_tools()).tools
    assert [t.name for t in tools] == TOOLS, [t.name for t in tools]
    for t in tools:
        assert t.input_schema["type"] == "object", t.input_schema
        assert len(t.description or "") > 40, t.name


async def generate_minimal(session, state):
    result = await session.call_tool(
        "generate_mock_data", {"platform": "shopify", "strategy": "minimal", "env": "local", "seed": 4242}
    )
    answer = structured(result)
    assert result.is_error is False and answer["success"] is True, answer
    tables = {t["table"]: t["inserted"] for p in answer["platforms"] for t in p["tables"]}
    assert tables.get("semantic.dm_orders_shopify") == 10, tables
    # What smart analysis found (here: defaults) and the warnings reach the agent.
    assert answer["analysis"] and answer["analysis"][0]["findings"], answer.get("analysis")
    assert isinstance(answer["warnings"], list), answer
    state["run_id"] = answer["run_id"]


async def status(session, state):
    answer = structured(await session.call_tool("get_mock_data_status", {"platform": "shopify", "env": "local"}))
    assert answer["success"] is True, answer
    runs = answer["report"]["runs"]
    assert [r["run_id"] for r in runs] == [state["run_id"]], runs
    orders = [t for t in answer["report"]["tables"] if t["table"] == "semantic.dm_orders_shopify"]
    assert orders and orders[0]["generated_rows"] == 10, orders


async def invalid_calls(session, state):
    # Bad arguments: a tool result marked as an error, saying what is wrong.
    result = await session.call_tool("generate_mock_data", {"platform": "myspace", "env": "local"})
    answer = structured(result)
    assert result.is_error is True and answer["success"] is False, answer
    assert answer["error"]["kind"] == "invalid_input" and "myspace" in answer["error"]["message"], answer
    # An unknown tool: a JSON-RPC error (invalid params).
    try:
        await session.call_tool("make_coffee", {})
    except MCPError as e:
        assert e.error.code == -32602 and "make_coffee" in e.error.message, e.error
    else:
        raise AssertionError("an unknown tool did not fail")


async def progress(session, state):
    seen = []

    async def on_progress(value, total, message):
        seen.append((value, total, message))

    result = await session.call_tool(
        "generate_mock_data",
        {"platform": "shopify", "strategy": "minimal", "env": "local", "dry_run": True},
        progress_callback=on_progress,
    )
    assert structured(result)["success"] is True, structured(result)
    assert seen, "no progress notification arrived"
    values = [v for v, _, _ in seen]
    assert values == sorted(set(values)), f"progress must only increase: {seen}"
    assert all(m for _, _, m in seen), seen
    print(f"   {len(seen)} progress notifications, last {seen[-1]}")


async def clean(session, state):
    answer = structured(await session.call_tool("clean_mock_data", {"platform": "shopify", "confirm": True, "env": "local"}))
    assert answer["success"] is True, answer
    after = structured(await session.call_tool("get_mock_data_status", {"platform": "shopify", "env": "local"}))
    assert after["report"]["runs"] == [], after["report"]["runs"]


CHECKS = [list_tools, generate_minimal, status, invalid_calls, progress, clean]


async def main(host_runner):
    workspace = f"mcp-client-{os.getpid()}-{time.time_ns() % 10**9}"
    server = StdioServerParameters(
        command=str(host_runner),
        args=["mcp"],
        cwd=str(REPO),
        env={"MOCK_DATA_WORKSPACE_ID": workspace, "MOCK_DATA_ENV": "local"},
    )
    passed = failed = 0
    with anyio.fail_after(DEADLINE_SECONDS):
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            info = await session.initialize()
            print(f"connected to {info.server_info.name} {info.server_info.version} (protocol {info.protocol_version}), workspace {workspace}")
            state = {}
            try:
                for check in CHECKS:
                    try:
                        await check(session, state)
                        passed += 1
                        print(f"ok     {check.__name__}")
                    except Exception as e:  # one failing check does not hide the others
                        failed += 1
                        print(f"FAILED {check.__name__}: {type(e).__name__}: {e}")
                        traceback.print_exc(file=sys.stderr)
            finally:
                # Leave nothing behind, whatever failed.
                await session.call_tool("clean_mock_data", {"platform": "all", "confirm": True, "env": "local"})
    return passed, failed


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_file():
        sys.exit("usage: test_mcp.py PATH/TO/host-runner (build it with cargo build --release -p host-runner)")
    try:
        passed, failed = anyio.run(main, Path(sys.argv[1]).resolve())
    except Exception as e:
        traceback.print_exc()
        passed, failed = 0, len(CHECKS)
        print(f"the MCP session failed: {type(e).__name__}: {e}")
    print(f"mcp-client: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
