"""Token refresh under contention: N callers find the same expired X token at once.

Run: ``uv run python benchmarks/bench_token_refresh.py``. For each N (threads in this process) it
reports how many refresh requests reached the emulator (must be 1), and the time from the start until
every caller holds the new token. Results go to benchmarks/results/.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from bench_env import bench_env, describe, save

from psn_core.crypto import load_keyring
from psn_core.services.accounts.tokens import TokenService

CALLERS = (1, 5, 20, 50)
ROUNDS = 5


def main() -> None:
    results = {}
    with bench_env() as env:
        account = env.connect("x")
        service = TokenService(env.hub, env.settings, load_keyring(env.settings))
        _ = env.hub.pool
        for callers in CALLERS:
            times, refreshes = [], []
            for _ in range(ROUNDS):
                with env.hub.owner() as conn:
                    conn.execute(
                        "UPDATE oauth_tokens SET expires_at = %s WHERE account_id = %s",
                        [datetime.now(UTC) - timedelta(minutes=1), account.id],
                    )
                env.emu.clear_requests()
                barrier = threading.Barrier(callers + 1)
                tokens: list[str] = []

                def call(barrier: threading.Barrier, tokens: list[str]) -> None:
                    barrier.wait()
                    tokens.append(service.access_token(env.member, account.id).access_token.get_secret_value())

                threads = [threading.Thread(target=call, args=(barrier, tokens)) for _ in range(callers)]
                for thread in threads:
                    thread.start()
                barrier.wait()
                started = time.perf_counter()
                for thread in threads:
                    thread.join()
                times.append((time.perf_counter() - started) * 1000)
                refreshes.append(sum(1 for r in env.emu.requests if r.endpoint == "token"))
                assert len(set(tokens)) == 1, "callers ended with different tokens"
            results[callers] = {"ms_until_all_hold_new_token": describe(times), "refresh_requests": refreshes}
            print(
                f"{callers:>3} callers: refresh requests per round {refreshes}, all hold the new token after "
                f"p50 {results[callers]['ms_until_all_hold_new_token']['p50']:.1f} ms "
                f"(max {results[callers]['ms_until_all_hold_new_token']['max']:.1f} ms)"
            )
    print(f"saved {save('token-refresh', results)}")


if __name__ == "__main__":
    main()
