#!/usr/bin/env bash
# Crash consistency: rounds of steady load of distinct deliveries against a release build with
# a journal, `kill -9` at a random moment, restart on the same journal — then check that every
# delivery a client saw answered 200 is in the journal hubtop replays (read back with
# `hubtop export`, so the check does not depend on the journal's format).
#   Benchmarks/crash.sh [ROUNDS] [FSYNC]     (default 50 rounds, --fsync always)
# With FSYNC=interval only the process dies here (not the machine), so nothing may be lost either.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-50}
fsync=${2:-always}
swift build -c release --product hubtop >&2
work=$(mktemp -d)
trap 'pkill -9 -f "$work/journal" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$PWD/.build/release/hubtop" "$work" "$rounds" "$fsync" <<'PY'
import http.client, json, os, random, signal, subprocess, sys, threading, time

binary, work, rounds, fsync = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
token = "crash-token-0123456789"
journal = os.path.join(work, "journal")
acknowledged, lock = set(), threading.Lock()
next_id = 0

def start():
    child = subprocess.Popen(
        [binary, "--headless", "--listen", "127.0.0.1:0", "--token", token, "--journal", journal,
         "--fsync", fsync, "--journal-max-bytes", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    for line in child.stderr:
        if "webhook URL:" in line:
            return child, int(line.split("127.0.0.1:")[1].split("/")[0])
        if time.time() > deadline:
            break
    raise SystemExit("hubtop did not start")

def sender(port, first, count):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    for index in range(first, first + count):
        body = json.dumps({"callback_url": f"https://registry.hub.docker.com/u/crash/r/hook/{index}/",
                           "push_data": {"pushed_at": index, "tag": f"t{index}", "pusher": "ci"},
                           "repository": {"repo_name": f"crash/r{index % 13}"}})
        try:
            connection.request("POST", f"/hook/{token}", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                with lock:
                    acknowledged.add(index)
        except Exception:
            return

for round_ in range(rounds):
    child, port = start()
    threading.Thread(target=lambda: [None for _ in child.stderr], daemon=True).start()
    threads = [threading.Thread(target=sender, args=(port, next_id + k * 100000, 100000)) for k in range(4)]
    next_id += 400000
    for thread in threads: thread.start()
    time.sleep(random.uniform(0.2, 1.5))
    child.send_signal(signal.SIGKILL)
    child.wait()
    for thread in threads: thread.join()

child, port = start()
child.send_signal(signal.SIGTERM)
child.wait(timeout=30)
# What the journal holds, read back by hubtop itself (either format, PATH.1 first).
exported = subprocess.run([binary, "export", "--journal", journal], capture_output=True, text=True, check=True)
stored = set()
for line in exported.stdout.splitlines():
    stored.add(int(json.loads(line)["pushed_at"]))
lost = acknowledged - stored
print(f"fsync={fsync}: {rounds} kill -9 rounds, {len(acknowledged)} deliveries answered 200, "
      f"{len(stored)} in the journal, {len(lost)} acknowledged and lost")
sys.exit(1 if lost else 0)
PY
