#!/usr/bin/env python3
"""Team mode figures, each beside a baseline measured in the same run (this machine, release
build, a PostgreSQL 15 of its own in a temporary folder, synchronous_commit on):

1. deliveries/s into PostgreSQL, group commit (--commit-group 500) vs one transaction per
   delivery (--commit-group 1): wrk -t2 -c64, Benchmarks/mix.lua, DURATION each, ROUNDS rounds;
2. POST at a receiver -> printed by another process (a --listen none viewer), p50/p99 at 200
   deliveries/s, against POST -> printed by the receiving process itself without a database;
3. a viewer's start with 1M events in the database until its dashboard shows them all, against
   PostgreSQL reading the same rows (COPY to /dev/null).
    Benchmarks/team.py            (ROUNDS=2 DURATION=10s EVENTS=1000000 PARTS=123 by default)
"""
import http.client, json, os, random, shutil, subprocess, sys, tempfile, threading, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rounds = int(os.environ.get("ROUNDS", "2"))
duration = os.environ.get("DURATION", "10s")
events = int(os.environ.get("EVENTS", "1000000"))
parts = os.environ.get("PARTS", "123")
binary = os.path.join(root, ".build/release/hubtop")
token = "team-bench-token-0123456789"
subprocess.run(["swift", "build", "-c", "release", "--product", "hubtop"], cwd=root, check=True, stdout=sys.stderr)
for tool in ("tmux", "wrk"):
    if shutil.which(tool) is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", tool], check=True)

work = tempfile.mkdtemp(prefix="hubtop-team-bench-")
as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
if os.getuid() == 0:
    shutil.chown(work, "postgres", "postgres")
pg_port = random.randint(20000, 30000)
bin_dir = "/usr/lib/postgresql/15/bin"
subprocess.run(as_postgres + [f"{bin_dir}/initdb", "-D", f"{work}/data", "-U", "hubtop", "-A", "trust", "-E", "UTF8"],
               check=True, stdout=subprocess.DEVNULL, cwd="/tmp")
subprocess.run(as_postgres + [f"{bin_dir}/pg_ctl", "-D", f"{work}/data", "-l", f"{work}/log", "-w", "-o",
               f"-p {pg_port} -c listen_addresses=127.0.0.1 -k {work} -c max_connections=200", "start"],
               check=True, stdout=subprocess.DEVNULL, cwd="/tmp")
url = f"postgres://hubtop@127.0.0.1:{pg_port}/postgres"
env = dict(os.environ, XDG_STATE_HOME=f"{work}/state", XDG_CONFIG_HOME=f"{work}/config")
processes = []


def psql(sql):
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "hubtop", "-d", "postgres", "-X",
                           "-A", "-t", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def start(args, stdout=subprocess.DEVNULL):
    process = subprocess.Popen([binary] + args, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
    processes.append(process)
    return process


def wait_health(port):
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("receiver did not start")


def receiver(port, extra=(), stdout=subprocess.DEVNULL):
    process = start(["--headless", "--json", "--listen", f"127.0.0.1:{port}", "--token", token, "--rate-limit", "0",
                     "--max-connections-per-address", "4096", "--max-events", "2000000", *extra], stdout)
    wait_health(port)
    return process


def stop(process):
    process.terminate()
    process.wait(timeout=20)


try:
    # 1. Throughput.
    results = {"group": [], "single": []}
    for round_ in range(rounds if "1" in parts else 0):
        for label, group in (("group", 500), ("single", 1)):
            psql("TRUNCATE hubtop_events") if round_ + (label == "single") > 0 else None
            port = random.randint(30000, 40000)
            process = receiver(port, ["--database", url, "--commit-group", str(group)])
            output = subprocess.run(["wrk", "-t2", "-c64", f"-d{duration}", "-s", "Benchmarks/mix.lua",
                                     f"http://127.0.0.1:{port}", "--", f"/hook/{token}"], cwd=root,
                                    capture_output=True, text=True).stdout
            rate = float(next(line.split()[1] for line in output.splitlines() if line.startswith("RATE")))
            stored = int(psql("SELECT count(*) FROM hubtop_events"))
            results[label].append(rate)
            print(f"round {round_ + 1} {label}: {rate:.0f} deliveries/s ({stored} rows)", file=sys.stderr)
            stop(process)

    # 2. POST -> another process, at 200/s.
    body = json.load(open(os.path.join(root, "Benchmarks/probe.json")))

    def latency(post_port, reader):
        seen = {}

        def read():
            for line in reader.stdout:
                try:
                    tag = json.loads(line).get("tag", "")
                except ValueError:
                    continue
                seen.setdefault(tag, time.time())

        threading.Thread(target=read, daemon=True).start()
        sent = {}
        connection = http.client.HTTPConnection("127.0.0.1", post_port, timeout=5)
        start_time = time.time()
        for index in range(2000):
            due = start_time + index / 200
            if due > time.time():
                time.sleep(due - time.time())
            tag = f"probe-{index}"
            body["push_data"]["tag"] = tag
            body["push_data"]["pushed_at"] = 1_700_000_000 + index
            sent[tag] = time.time()
            connection.request("POST", f"/hook/{token}", json.dumps(body), {"Content-Type": "application/json"})
            connection.getresponse().read()
        deadline = time.time() + 10
        while len(seen) < len(sent) and time.time() < deadline:
            time.sleep(0.05)
        delays = sorted((seen[tag] - sent[tag]) * 1000 for tag in sent if tag in seen)
        return delays[len(delays) // 2], delays[int(len(delays) * 0.99)], len(delays)

    local_p50 = local_p99 = team_p50 = team_p99 = seen = 0
    port = random.randint(30000, 40000)
    # The receiver migrates the schema (needed below when part 1 did not run).
    remote_receiver = receiver(port, ["--database", url])
    if "2" in parts:
        psql("TRUNCATE hubtop_events")
        local_port = random.randint(30000, 40000)
        local = receiver(local_port, stdout=subprocess.PIPE)
        local_p50, local_p99, _ = latency(local_port, local)
        stop(local)
        viewer = start(["--headless", "--json", "--listen", "none", "--database", url], subprocess.PIPE)
        time.sleep(1)
        team_p50, team_p99, seen = latency(port, viewer)
        stop(viewer)
    stop(remote_receiver)

    # 3. A viewer's start with EVENTS events in the database.
    psql("TRUNCATE hubtop_events")
    # Distinct pushes: 600 repositories, 50 tags, a push time (and so a fold key) each.
    body["push_data"].update(tag="TAGTAG", pushed_at=4242424242)
    body["callback_url"] = "https://registry.hub.docker.com/u/probe/app/hook/PUSHPUSH/"
    template = json.dumps(body).replace("'", "''")
    psql(f"""INSERT INTO hubtop_events (fold_key, received_at, last_delivered_at, deliveries, body, delivery)
             SELECT 'k' || g, 1795000000 + g / 100.0, 1795000000 + g / 100.0, 1,
                    convert_to(replace(replace(replace(replace('{template}', 'probe/app', 'team/r' || (g % 600)),
                               'TAGTAG', 'v' || (g % 50)), '4242424242', (1700000000 + g)::text),
                               'PUSHPUSH', g::text), 'UTF8'), '{{}}'
             FROM generate_series(1, {events}) g""")
    psql("VACUUM ANALYZE hubtop_events")
    copy_started = time.time()
    psql("COPY (SELECT id, received_at, last_delivered_at, deliveries, body, delivery FROM hubtop_events) TO '/dev/null'")
    copy_seconds = time.time() - copy_started
    socket = f"hubtop-team-{os.getpid()}"
    shown = f"events {events:,}"
    started = time.time()
    subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "v", "-x", "160", "-y", "50",
                    f"TERM=screen-256color XDG_STATE_HOME={work}/state {binary} --listen none --database {url} "
                    f"--max-events {events} --max-memory 4GiB 2>/dev/null"], check=True)
    view_seconds = None
    while time.time() - started < 120:
        screen = subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-t", "v"], capture_output=True,
                                text=True).stdout
        if shown in screen:
            view_seconds = time.time() - started
            break
        time.sleep(0.05)
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)

    def median(values):
        return sorted(values)[len(values) // 2]

    print("\n| figure | hubtop | baseline (same run) | ratio | target |\n|---|---|---|---|---|")
    if results["group"]:
        group, single = median(results["group"]), median(results["single"])
        print(f"| deliveries/s into PostgreSQL, synchronous_commit on | {group:.0f} (group commit) | "
              f"{single:.0f} (a transaction each) | {group / single:.1f}× | ≥ 5,000/s |")
    if seen:
        print(f"| POST → another process's output at 200/s, p50 / p99 | {team_p50:.1f} / {team_p99:.1f} ms "
              f"({seen} of 2000 seen) | {local_p50:.1f} / {local_p99:.1f} ms (same process, no database) | "
              f"{team_p99 / local_p99:.1f}× (p99) | p99 ≤ 100 ms |")
    view = f"{view_seconds:.1f} s" if view_seconds else "not within 120 s"
    print(f"| viewer start until {events:,} events are on screen | {view} | {copy_seconds:.1f} s "
          f"(PostgreSQL COPY of the rows) | {(view_seconds or 0) / copy_seconds:.1f}× | ≤ 5 s |")
finally:
    for process in processes:
        if process.poll() is None:
            process.kill()
    subprocess.run(as_postgres + [f"{bin_dir}/pg_ctl", "-D", f"{work}/data", "-m", "immediate", "stop"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/tmp")
    shutil.rmtree(work, ignore_errors=True)
