# SPDX-License-Identifier: BSD-3-Clause
"""Issue 19 item 2: a reload is all or nothing. A large diff (addresses,
routes, neighbours, a scheduler change, a real server edited and one
removed, an address removed, some hundred services) fails at its last
step, by a limit the running daemon really has (no hook: the route
table, a Full-NAT local address, [pool] svc_max); the reply says
"rolled back" and why (file, section, key), and ipvsadm and dpip show
exactly the state before. The same diff without the failure then applies whole,
and says what it added, changed and removed. A daemon of the test's own
on net_ring (daemon.py).
"""
from daemon import Daemon

SVC_MAX = 200

BASE = """[addresses]
a = 10.0.0.1/24 dev dpdk0
b = 10.1.0.1/24 dev dpdk1
c = 10.3.0.1/24 dev dpdk0

[routes]
default = 0.0.0.0/0 via 10.1.0.254 dev dpdk1

[neighbours]
gw = 10.1.0.254 lladdr 02:00:00:00:00:fe dev dpdk1

[service:web]
service = -t 10.0.0.100:80 -s rr
rs1 = -r 10.1.0.2:80 -m -w 1
rs2 = -r 10.1.0.3:80 -m -w 1
rs3 = -r 10.1.0.4:80 -m -w 1
"""


def big(nsvc, keep_c):
    """BASE changed everywhere: 60 addresses, 60 routes, 5 neighbours
    more, web on wrr with rs1 reweighted and rs2 (in the middle) gone,
    address c gone unless keep_c, and nsvc services more."""
    text = BASE.replace("-s rr\n", "-s wrr\n", 1)
    text = text.replace("rs1 = -r 10.1.0.2:80 -m -w 1", "rs1 = -r 10.1.0.2:80 -m -w 7")
    text = text.replace("rs2 = -r 10.1.0.3:80 -m -w 1\n", "")
    if not keep_c:
        text = text.replace("c = 10.3.0.1/24 dev dpdk0\n", "")
    text = text.replace("[addresses]\n", "[addresses]\n" + "".join(
        "v%d = 10.2.0.%d/32 dev dpdk0\n" % (i, i + 1) for i in range(60)))
    text = text.replace("[routes]\n", "[routes]\n" + "".join(
        "r%d = 172.16.%d.0/24 via 10.1.0.254 dev dpdk1\n" % (i, i) for i in range(60)))
    text = text.replace("[neighbours]\n", "[neighbours]\n" + "".join(
        "n%d = 10.1.0.%d lladdr 02:00:00:00:01:%02x dev dpdk1\n" % (i, 200 + i, i)
        for i in range(5)))
    text += "".join("\n[service:s%d]\nservice = -t 10.2.0.%d:80 -s rr\n"
                    "rs = -r 10.1.1.%d:80 -m\n" % (i, 1 + i % 60, 1 + i % 250)
                    for i in range(nsvc))
    return text


def distinct(text):
    """Services numbered past 60 share a VIP: give each a port of its own."""
    out, n = [], 0
    for line in text.splitlines(True):
        if line.startswith("service = -t 10.2.0."):
            vip = line.split()[3].split(":")[0]
            line = "service = -t %s:%d -s rr\n" % (vip, 1000 + n)
            n += 1
        out.append(line)
    return "".join(out)


def state(d):
    return {
        "services": d.ipvsadm("-Sn").stdout,
        "listing": d.ipvsadm("-Ln").stdout,
        "timeouts": d.ipvsadm("-L", "--timeout").stdout,
        "laddrs": d.ipvsadm("--get-laddr").stdout,
        "addr": d.dpip("addr", "show").stdout,
        "route": d.dpip("route", "show").stdout,
        "neigh": d.dpip("neigh", "show").stdout,
    }


def assert_same(before, after, what):
    for k in before:
        assert before[k] == after[k], "%s changed %s:\n%s\n--- now ---\n%s" % (
            what, k, before[k], after[k])


def test_failure_at_the_last_step_changes_nothing():
    d = Daemon("rl1", svc_max=SVC_MAX, dest_max=1024)
    try:
        d.write_conf(BASE)
        d.start()
        # by hand: a Full-NAT service whose local address is c (the big
        # file removes c: refused while a service holds it)
        d.ipvsadm("-A", "-t", "10.0.0.100:7777", "-s", "rr")
        d.ipvsadm("--add-laddr", "-z", "10.3.0.1", "-t", "10.0.0.100:7777")
        d.ipvsadm("-a", "-t", "10.0.0.100:7777", "-r", "10.1.0.9:7777", "--fullnat")
        # and ten routes by hand, which the file does not know of
        for i in range(10):
            d.dpip("route", "add", "172.30.%d.0/24" % i, "via", "10.1.0.254", "dev", "dpdk1")
        before = state(d)
        assert "10.1.0.3:80" in before["services"], before["services"]
        assert "10.3.0.1" in before["laddrs"], before["laddrs"]

        # 0. the network step's last item: the file fits the route table
        # (1,024 slots: 811 routes, the default and 3 + 200 connected ones;
        # dpvs -t counts them), but not beside the ten routes added by
        # hand: full at the last route; 200 addresses and 810 routes were
        # published and are taken back
        text = BASE.replace("[addresses]\n", "[addresses]\n" + "".join(
            "v%d = 10.2.%d.%d/32 dev dpdk0\n" % (i, i // 200, 1 + i % 200) for i in range(200)))
        text = text.replace("[routes]\n", "[routes]\n" + "".join(
            "r%d = 172.%d.%d.0/24 via 10.1.0.254 dev dpdk1\n" % (i, 16 + i // 256, i % 256)
            for i in range(811)))
        text = text.replace("-s rr\n", "-s wrr\n", 1)
        d.write_conf(text)
        assert d.check().returncode == 0, d.check().stderr
        r = d.dpip("config", "reload", check=False)
        assert r.returncode != 0, r.stdout
        assert "rolled back: " + d.conf + ": [routes] r810: cannot add route " \
            "172.19.42.0/24 via 10.1.0.254 dev dpdk1: routing table full" in r.stderr, r.stderr
        assert_same(before, state(d), "a reload rolled back at its last route")

        # 1. the very last step: removing address c, refused (its LIP);
        # everything before it (60 addresses, 60 routes, 5 neighbours,
        # web's edits, 150 services) was done and is taken back
        d.write_conf(distinct(big(150, keep_c=False)))
        assert d.check().returncode == 0, d.check().stderr
        r = d.dpip("config", "reload", check=False)
        assert r.returncode != 0, r.stdout
        assert "rolled back: " + d.conf + ": [addresses] c: cannot remove address " \
            "10.3.0.1/24 dev dpdk0: address 10.3.0.1 is a Full-NAT local address" in r.stderr, \
            r.stderr
        assert "nothing changed" in r.stderr, r.stderr
        assert "added" not in r.stderr, r.stderr
        assert_same(before, state(d), "a reload rolled back at its last step")

        # 2. the last service finds [pool] svc_max full (web and the
        # hand-made one count): the file is valid, the running daemon
        # cannot take all of it
        nsvc = SVC_MAX - 1
        d.write_conf(distinct(big(nsvc, keep_c=True)))
        assert d.check().returncode == 0, d.check().stderr
        r = d.dpip("config", "reload", check=False)
        assert r.returncode != 0, r.stdout
        assert "rolled back: " + d.conf + ": [service:s%d] service: " % (nsvc - 1) in r.stderr \
            and "too many services (at most %d: [pool] svc_max)" % SVC_MAX in r.stderr, r.stderr
        assert_same(before, state(d), "a reload rolled back at its last service")

        # 3. the same diff that fits: applied whole, and said so
        d.write_conf(distinct(big(150, keep_c=True)))
        r = d.dpip("config", "reload")
        out = r.stdout
        assert "no change" not in out and "rolled back" not in out, out
        assert "[addresses] v59: 10.2.0.60/32 dev dpdk0 added" in out, out
        assert "[routes] r59: 172.16.59.0/24 via 10.1.0.254 dev dpdk1 added" in out, out
        assert "[neighbours] n4: 10.1.0.204 lladdr 02:00:00:00:01:04 dev dpdk1 added" in out, out
        assert "ipvs: [service:web] TCP 10.0.0.100:80 updated" in out, out
        assert "real server 10.1.0.2:80 updated" in out, out
        assert "real server 10.1.0.3:80 removed" in out, out
        assert "ipvs: [service:s149] TCP 10.2.0.30:1149 added" in out, out
        now = state(d)
        assert now["listing"].count("TCP  ") == 152, now["listing"]
        assert "wrr" in now["listing"] and "10.1.0.3:80" not in now["listing"]
        assert now["addr"].count("10.2.0.") == 60, now["addr"]
        assert now["route"].count("172.16.") == 60, now["route"]
        assert now["neigh"].count("02:00:00:00:01:") == 5, now["neigh"]
        assert "10.3.0.1" in now["laddrs"]
        assert d.dpip("config", "reload").stdout.strip() == "no change"

        # 4. and back to the first file: every part of it removed again
        d.write_conf(BASE)
        out = d.dpip("config", "reload").stdout
        assert "[addresses] v0: 10.2.0.1/32 dev dpdk0 removed" in out, out
        after = state(d)
        for k in ("timeouts", "laddrs", "addr", "route", "neigh"):
            assert after[k] == before[k], (k, before[k], after[k])
        # rs2 comes back at the end of web's list (a new add, not an undo)
        assert after["listing"].count("TCP  ") == 2, after["listing"]
        assert d.proc.poll() is None
    finally:
        d.cleanup()


def test_local_addresses_from_the_file():
    """`laddr = A, B` in a [service:] section: Full-NAT's local addresses
    as --add-laddr gives them; a reload adds what the file adds, removes
    what an earlier file declared and this one does not, leaves the ones
    added by hand; a reload that fails after adding one takes it back."""
    fnat = BASE + ("[service:fn]\nservice = -t 10.0.0.100:8080 -s rr\n"
                   "rs = -r 10.1.0.9:8080 --fullnat\nladdr = 10.1.0.1, 10.3.0.1\n")
    d = Daemon("rl2", svc_max=SVC_MAX, dest_max=1024)
    try:
        d.write_conf(fnat)
        d.start()
        got = d.ipvsadm("--get-laddr").stdout
        assert "10.1.0.1" in got and "10.3.0.1" in got, got
        # one added by hand stays across reloads of the file
        d.ipvsadm("--add-laddr", "-z", "10.0.0.1", "-t", "10.0.0.100:8080")
        d.ipvsadm("-A", "-t", "10.0.0.100:7777", "-s", "rr")  # counts in svc_max
        d.write_conf(fnat.replace("laddr = 10.1.0.1, 10.3.0.1", "laddr = 10.3.0.1"))
        out = d.dpip("config", "reload").stdout
        assert "ipvs: [service:fn] local address 10.1.0.1 removed" in out, out
        got = d.ipvsadm("--get-laddr").stdout
        assert "10.1.0.1" not in got and "10.3.0.1" in got and "10.0.0.1" in got, got
        before = state(d)
        # adds 10.1.0.1 again, then fails at the last service ([pool]
        # svc_max, full with the one added by hand): the local address
        # goes with the rest
        text = fnat + "".join("[service:x%d]\nservice = -t 10.0.0.100:%d -s rr\n"
                              % (i, 3000 + i) for i in range(SVC_MAX - 2))
        d.write_conf(text)
        r = d.dpip("config", "reload", check=False)
        assert r.returncode != 0 and "rolled back" in r.stderr, (r.stdout, r.stderr)
        assert_same(before, state(d), "a reload with a local address rolled back")
        # and without the service, its local addresses go with it
        d.write_conf(BASE)
        out = d.dpip("config", "reload").stdout
        assert "ipvs: [service:fn] TCP 10.0.0.100:8080 removed" in out, out
        assert "10.3.0.1" not in d.ipvsadm("--get-laddr").stdout
        assert d.proc.poll() is None
    finally:
        d.cleanup()
