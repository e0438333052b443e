#!/usr/bin/env python3
"""Attached viewers (#25), each figure beside a baseline measured in the same run.

1. A viewer attached to a receiver holding EVENTS events (the realistic mix, a journal written by
   HubtopFigures and replayed at start) has them all: `hubtop attach URL --headless` until it has
   printed EVENTS lines. Baseline: the same stream read to the end of its history by Python's
   HTTP client (what the receiver takes to send it; no viewer can be faster).
2. POST at the receiver -> on an attached dashboard's screen (tmux, filtered to one probe
   repository), p50/p99 under about RATE deliveries/s of the mix. Baseline: the same probes with
   no load.
3. The receiver's ingest (wrk -t2 -c64, the mix, keep-alive, headless) with 64 viewers attached
   (`curl -N` each) beside the same with none.
4. A viewer stopped with SIGSTOP for STOP seconds under RATE/s: the receiver's RSS before and
   after beside its viewer buffer, and the viewer caught up after SIGCONT.
    Benchmarks/attach.py            (EVENTS=1000000 RATE=1000 STOP=60 by default)
    PARTS=viewers,stop Benchmarks/attach.py       (some of: history, viewers, stop)
"""
import http.client, json, os, random, shutil, signal, subprocess, sys, threading, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
events = int(os.environ.get("EVENTS", "1000000"))
rate = int(os.environ.get("RATE", "1000"))
parts = os.environ.get("PARTS", "history,viewers,stop").split(",")
stop_seconds = int(os.environ.get("STOP", "60"))
token, viewer = "attach-token-0123456789", "attach-viewer-0123456789"
binary = os.path.join(root, ".build/release/hubtop")
figures = os.path.join(root, "Benchmarks/.build/release/HubtopFigures")
subprocess.run(["swift", "build", "-c", "release", "--product", "hubtop"], cwd=root, check=True, stdout=sys.stderr)
subprocess.run(["swift", "build", "-c", "release", "--product", "HubtopFigures"], cwd=os.path.join(root, "Benchmarks"),
               check=True, stdout=sys.stderr)
for tool in ("tmux", "wrk", "curl"):
    if shutil.which(tool) is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", tool], check=True)
work = f"/tmp/hubtop-attach-{os.getpid()}"
os.makedirs(work)
environment = dict(os.environ, HUBTOP_TOKEN=token, HUBTOP_VIEWER_TOKEN=viewer, XDG_STATE_HOME=work)
rows = []


def row(*cells):
    rows.append(cells)
    print("| " + " | ".join(cells) + " |", file=sys.stderr, flush=True)


def start_receiver(port, journal=None):
    args = [binary, "--headless", "--listen", f"127.0.0.1:{port}", "--rate-limit", "0",
            "--max-connections-per-address", "4096", "--max-events", str(max(1000000, events + 400000)),
            "--max-memory", "8GiB"]
    if journal:
        args += ["--journal", journal]
    process = subprocess.Popen(args, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(3000):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the receiver did not start")


def health(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/healthz")
    return json.loads(connection.getresponse().read())


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def count_lines(process, until, deadline):
    """Reads the process's stdout until `until` lines (or the deadline); seconds taken."""
    start, lines = time.perf_counter(), 0
    while lines < until and time.perf_counter() < deadline:
        chunk = process.stdout.read1(1 << 20)
        if not chunk:
            break
        lines += chunk.count(b"\n")
    return time.perf_counter() - start, lines


def stream_history_seconds(port):
    """Reads the stream in 1 MiB pieces until the end of its history: what the receiver takes to
    send it. (`curl -N` into a pipe, the baseline before, took three times as long as this on its
    own, so it measured curl rather than the receiver.)"""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start, tail = time.perf_counter(), b""
    connection.request("GET", "/stream", headers={"Authorization": f"Bearer {viewer}"})
    response = connection.getresponse()
    while True:
        chunk = response.read1(1 << 20)
        if not chunk or b"caught_up" in tail + chunk:
            break
        tail = chunk[-32:]
    seconds = time.perf_counter() - start
    connection.close()
    return seconds


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured_wrk(receiver, port):
    """req/s, and the receiver's CPU microseconds per delivery taken."""
    cpu, taken = cpu_seconds(receiver.pid), health(port)["accepted"]
    rate = wrk(port)
    return rate, (cpu_seconds(receiver.pid) - cpu) * 1e6 / max(1, health(port)["accepted"] - taken)


def wrk(port, seconds="10s"):
    result = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}", "-s", "Benchmarks/mix.lua", f"http://127.0.0.1:{port}",
                             "--", f"/hook/{token}"], capture_output=True, text=True, cwd=root)
    for line in result.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit(result.stdout + result.stderr)


try:
    if "history" in parts:
        # 1. A million events onto an attached viewer.
        journal = os.path.join(work, "journal")
        subprocess.run([figures, "write-journal", str(events), journal], check=True, stdout=subprocess.DEVNULL)
        port = random.randint(20000, 40000)
        receiver = start_receiver(port, journal)
        held = health(port)["events"]
        baseline = stream_history_seconds(port)
        attach = subprocess.Popen([binary, "attach", f"http://127.0.0.1:{port}", "--headless", "--max-events",
                                   str(held + 1000), "--max-memory", "8GiB"], env=environment, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        seconds, lines = count_lines(attach, held, time.perf_counter() + 300)
        attach.kill()
        attach.wait()
        row(f"viewer attached to a receiver holding {held} events: all of them ({lines} shown)",
                     f"{seconds:.2f} s", f"the stream alone (read by an HTTP client): {baseline:.2f} s", "≤ 5 s")
        receiver.send_signal(signal.SIGTERM)
        receiver.wait()

    if "viewers" in parts:
        # 3. 64 viewers and ingest throughput: each on a fresh receiver (no history to send).
        port = random.randint(20000, 40000)
        receiver = start_receiver(port)
        alone, alone_cpu = measured_wrk(receiver, port)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait()
        port = random.randint(20000, 40000)
        receiver = start_receiver(port)
        curls = [subprocess.Popen(["curl", "-sN", "-H", f"Authorization: Bearer {viewer}", f"http://127.0.0.1:{port}/stream"],
                                  stdout=subprocess.DEVNULL) for _ in range(64)]
        time.sleep(1)
        attached = health(port).get("viewers", 0)
        watched, watched_cpu = measured_wrk(receiver, port)
        for curl in curls:
            curl.kill()
            curl.wait()
        row(f"ingest, keep-alive, headless, with {attached} viewers attached (64 curl -N on the same 2 cores)",
            f"{watched:.0f} req/s", f"no viewer: {alone:.0f} req/s ({watched / alone:.2f}×)", "≥ 0.85×")
        row("the receiver's CPU per delivery, with those viewers", f"{watched_cpu:.0f} µs",
            f"no viewer: {alone_cpu:.0f} µs ({alone_cpu / watched_cpu:.2f}× the throughput it allows)", "≥ 0.85×")
        receiver.send_signal(signal.SIGTERM)
        receiver.wait()

    if "stop" in parts:
        # 4. A viewer stopped for a minute under load.
        port = random.randint(20000, 40000)
        receiver = start_receiver(port)
        stopped = subprocess.Popen([binary, "attach", f"http://127.0.0.1:{port}", "--headless"], env=environment,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        time.sleep(1)
        load = subprocess.Popen(["wrk", "-t1", f"-c{max(1, -(-rate // 75))}", "-d600s", "-s", "Benchmarks/paced.lua",
                                 f"http://127.0.0.1:{port}", "--", f"/hook/{token}", "10"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=root)
        time.sleep(3)
        before, store_before = rss(receiver.pid), health(port)["store_bytes"]
        stopped.send_signal(signal.SIGSTOP)
        time.sleep(stop_seconds)
        after, store_after = rss(receiver.pid), health(port)["store_bytes"]
        load.terminate()
        load.wait()
        total = health(port)["events"]
        stopped.send_signal(signal.SIGCONT)
        lines = 0
        deadline = time.perf_counter() + 60

        def drain():
            global lines
            while lines < total and time.perf_counter() < deadline:
                chunk = stopped.stdout.read1(1 << 20)
                if not chunk:
                    break
                lines += chunk.count(b"\n")

        reader = threading.Thread(target=drain)
        reader.start()
        reader.join(65)
        row(f"receiver RSS across a viewer stopped {stop_seconds} s under ~{rate}/s, beyond what the store grew",
            f"{(after - before - (store_after - store_before)) / 2**20:+.1f} MiB "
            f"(RSS {(after - before) / 2**20:+.1f}, store {(store_after - store_before) / 2**20:+.1f})",
            "its viewer buffer: 8 MiB", "within the buffer")
        row("the stopped viewer after SIGCONT", f"{lines} of {total} events", "", "catches up")
        stopped.kill()
        receiver.send_signal(signal.SIGTERM)
        receiver.wait()
finally:
    subprocess.run(["rm", "-rf", work])

print("| figure | hubtop | baseline (same run) | target |")
print("|---|---|---|---|")
for cells in rows:
    print("| " + " | ".join(cells) + " |")
print("POST → an attached screen, p50/p99: ATTACH=1 Benchmarks/latency.py")
