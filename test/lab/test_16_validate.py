# SPDX-License-Identifier: BSD-3-Clause
"""Issue 19 item 1: one validation path. Each broken file of the table
goes through `dpvs -t`, a start, and a reload of a running daemon; the
three must give the same verdict with the same messages (FILE: [section]
key: reason), and the refused reload must leave the running state
exactly as it was. A daemon of the test's own on net_ring (daemon.py).
"""
from daemon import Daemon

GOOD = """[addresses]
a = 10.0.0.1/24 dev dpdk0
b = 10.1.0.1/24 dev dpdk1

[routes]
default = 0.0.0.0/0 via 10.1.0.254 dev dpdk1

[neighbours]
gw = 10.1.0.254 lladdr 02:00:00:00:00:fe dev dpdk1

[service:web]
service = -t 10.0.0.100:80 -s rr
rs1 = -r 10.1.0.2:80 -m -w 1
rs2 = -r 10.1.0.3:80 -m -w 2
"""


def svc(line, *dests):
    return "[service:x]\nservice = %s\n" % line + "".join(
        "d%d = %s\n" % (i, d) for i, d in enumerate(dests))


def many_services(n):
    return "".join("[service:s%d]\nservice = -t 10.0.0.100:%d -s rr\n" % (i, 1000 + i)
                   for i in range(n))


def many_dests(nsvc, per):
    return "".join("[service:m%d]\nservice = -t 10.0.0.100:%d -s rr\n" % (i, 2000 + i) +
                   "".join("r%d = -r 10.1.%d.%d:80 -m\n" % (j, i, j + 1) for j in range(per))
                   for i in range(nsvc))


# (name, text appended to GOOD, or a function of GOOD's base config for
# files that change the fixed sections). Forwarding methods the daemon
# may learn (DR, TUN) are in MAYBE: for them only agreement is checked.
CASES = [
    ("unknown scheduler", svc("-t 10.0.0.100:81 -s nosuch", "-r 10.1.0.2:81 -m")),
    ("unknown udp scheduler", svc("-u 10.0.0.100:53 -s mhx")),
    ("scheduler name too long", svc("-t 10.0.0.100:82 -s abcdefghijklmnopqrstuvwxyz")),
    ("IPv6 real server", svc("-t 10.0.0.100:83 -s rr", "-r [2001:db8::2]:80 -m")),
    ("weight out of range", svc("-t 10.0.0.100:84 -s wrr", "-r 10.1.0.2:84 -m -w 70000")),
    ("lower threshold above upper", svc("-t 10.0.0.100:85 -s rr",
                                        "-r 10.1.0.2:85 -m -x 10 -y 20")),
    ("port 0 without persistence", svc("-t 10.0.0.100:0 -s rr")),
    ("VIP 0.0.0.0", svc("-t 0.0.0.0:80 -s rr")),
    ("fwmark 0", svc("-f 0 -s rr")),
    ("same service twice", svc("-t 10.0.0.100:80 -s wrr")),
    ("same real server twice", svc("-t 10.0.0.100:86 -s rr", "-r 10.1.0.2:86 -m",
                                   "-r 10.1.0.2:86 -m -w 3")),
    ("service without a service key", "[service:x]\nrs = -r 10.1.0.2:80 -m\n"),
    ("unknown persistence engine", svc("-u 10.0.0.100:87 -s rr -p --pe nosuch")),
    ("SCTP by Full-NAT", svc("--sctp-service 10.0.0.100:90 -s rr", "-r 10.1.0.2:90 --fullnat")),
    ("persistence timeout too long", svc("-t 10.0.0.100:88 -s rr -p 99999999")),
    ("more services than svc_max", many_services(64)),
    ("more real servers than dest_max", many_dests(5, 60)),
    ("real server 0.0.0.0", svc("-t 10.0.0.100:89 -s rr", "-r 0.0.0.0:80 -m")),
    ("bad service line", svc("-t 10.0.0.100 -s rr")),
    ("laddr not an address of the daemon",
     svc("-t 10.0.0.100:91 -s rr", "-r 10.1.0.2:91 --fullnat") + "laddr = 10.1.0.77\n"),
    ("laddr is the VIP", svc("-t 10.0.0.1:92 -s rr", "-r 10.1.0.2:92 --fullnat") + "laddr = 10.0.0.1\n"),
    ("laddr not IPv4", svc("-t 10.0.0.100:93 -s rr") + "laddr = 2001:db8::1\n"),
    ("laddr twice", svc("-t 10.0.0.100:94 -s rr") + "laddr = 10.1.0.1, 10.1.0.1\n"),
    ("synproxy not yes or no", svc("-t 10.0.0.100:95 -s rr") + "synproxy = maybe\n"),
    ("synproxy with a DR real server",
     svc("-t 10.0.0.100:96 -s rr", "-r 10.1.0.2:96 -g") + "synproxy = yes\n"),
    ("synproxy on UDP", svc("-u 10.0.0.100:97 -s rr") + "synproxy = yes\n"),
    ("synproxy with the proxy protocol",
     svc("-t 10.0.0.100:99 -s rr --proxy-protocol v2", "-r 10.1.0.2:99 --fullnat") +
     "synproxy = yes\n"),
    ("synproxy no against the service line",
     svc("-t 10.0.0.100:98 -s rr --synproxy enable") + "synproxy = no\n"),
    ("IPv6 address", "[addresses]\nc = 2001:db8::1/64 dev dpdk0\n"),
    ("loopback address", "[addresses]\nc = 127.0.0.1/8 dev dpdk0\n"),
    ("multicast address", "[addresses]\nc = 224.0.0.1/24 dev dpdk0\n"),
    ("zero address", "[addresses]\nc = 0.0.0.0/24 dev dpdk0\n"),
    ("address on no port", "[addresses]\nc = 10.2.0.1/24 dev dpdk9\n"),
    ("address twice", "[addresses]\nc = 10.0.0.1/24 dev dpdk1\n"),
    ("address prefix /33", "[addresses]\nc = 10.3.0.1/33 dev dpdk0\n"),
    ("gateway on no connected network",
     "[routes]\nr = 10.9.0.0/16 via 192.168.77.1 dev dpdk1\n"),
    ("gateway on another port's network",
     "[routes]\nr = 10.9.0.0/16 via 10.0.0.254 dev dpdk1\n"),
    ("gateway on no network, no dev", "[routes]\nr = 10.9.0.0/16 via 172.16.0.1\n"),
    ("gateway is our own address", "[routes]\nr = 10.9.0.0/16 via 10.1.0.1 dev dpdk1\n"),
    ("multicast gateway", "[routes]\nr = 10.9.0.0/16 via 224.0.0.5 dev dpdk1\n"),
    ("route with host bits", "[routes]\nr = 10.9.0.1/16 via 10.1.0.254 dev dpdk1\n"),
    ("route source not ours",
     "[routes]\nr = 10.9.0.0/16 via 10.1.0.254 dev dpdk1 src 10.5.5.5\n"),
    # 1,020 routes (the default among them) and 6 connected prefixes: more
    # than the table's 1,024 entries, the last would fail at every start
    ("more routes than the routing table", "[addresses]\n" + "".join(
        "h%d = 10.1.%d.1/24 dev dpdk1\n" % (i, 100 + i) for i in range(4)) +
     "[routes]\n" + "".join("r%d = 172.%d.%d.0/24 via 10.1.0.254 dev dpdk1\n"
                            % (i, 16 + i // 256, i % 256) for i in range(1019))),
    ("IPv6 route", "[routes]\nr = 2001:db8::/32 via 2001:db8::1 dev dpdk1\n"),
    ("route on no port", "[routes]\nr = 10.9.0.0/16 dev dpdk9\n"),
    ("route twice", "[routes]\nr = 0.0.0.0/0 via 10.1.0.253 dev dpdk1\n"),
    ("neighbour is our address",
     "[neighbours]\nn = 10.0.0.1 lladdr 02:00:00:00:00:01 dev dpdk0\n"),
    ("multicast neighbour MAC",
     "[neighbours]\nn = 10.0.0.9 lladdr 01:00:5e:00:00:01 dev dpdk0\n"),
    ("loopback neighbour", "[neighbours]\nn = 127.0.0.2 lladdr 02:00:00:00:00:02 dev dpdk0\n"),
    ("IPv6 neighbour",
     "[neighbours]\nn = 2001:db8::9 lladdr 02:00:00:00:00:03 dev dpdk0\n"),
    ("neighbour on no port",
     "[neighbours]\nn = 10.0.0.9 lladdr 02:00:00:00:00:04 dev dpdk9\n"),
    ("unknown key", "[ipvs]\ntcp_timeoutt = 5\n"),
    ("unknown section", "[servic:x]\nservice = -t 10.0.0.100:90 -s rr\n"),
    ("tcp_timeout 0", "[ipvs]\ntcp_timeout = 0\n"),
    ("udp_timeout not a number", "[ipvs]\nudp_timeout = abc\n"),
    ("syntax error", "[ipvs\ntcp_timeout = 5\n"),
    ("log_level unknown", lambda base: base.replace("log_level = info", "log_level = loud")),
    ("svc_max too big", lambda base: base.replace("svc_max = 64", "svc_max = 16777217")),
    ("ctl_socket too long", lambda base: base.replace(
        "ctl_socket = ", "ctl_socket = /tmp/" + "x" * 120 + "/")),
    ("DR real server not on-link", svc("-t 10.0.0.100:94 -s rr", "-r 172.16.9.9:94 -g")),
    ("DR real server is our address", svc("-t 10.0.0.100:95 -s rr", "-r 10.1.0.1:95 -g")),
    ("TUN real server is our address", svc("-t 10.0.0.100:96 -s rr", "-r 10.0.0.1:96 -i")),
]
MAYBE = [
    ("real server without -m (DR is the default)", svc("-t 10.0.0.100:91 -s rr",
                                                       "-r 10.1.0.2:91")),
    ("DR real server", svc("-t 10.0.0.100:92 -s rr", "-r 10.1.0.2:92 -g")),
    ("TUN real server", svc("-t 10.0.0.100:93 -s rr", "-r 10.1.0.2:93 -i")),
    # IPv6 services are configuration (listed, saved) though not forwarded
    ("IPv6 VIP", svc("-t [2001:db8::1]:80 -s rr")),
    ("IPv6 VIP and real servers", svc("-t [2001:db8::1]:81 -s wrr", "-r [2001:db8::2]:80 -m",
                                      "-r 2001:db8::3 -g -w 2")),
    ("IPv6 fwmark service", svc("-f 7 -6 -s none")),
]


def state(d):
    return (d.ipvsadm("-Sn").stdout, d.ipvsadm("-L", "--timeout").stdout,
            d.dpip("addr", "show").stdout, d.dpip("route", "show").stdout,
            d.dpip("neigh", "show").stdout)


def messages(text, conf):
    """The verdict's lines: those naming the file."""
    return [ln for ln in text.splitlines()
            if ln.startswith(conf + ":") or ln.startswith("iniparser:")]


def file_text(d, case):
    return case(d.base) + "\n" + GOOD if callable(case) else d.base + "\n" + GOOD + case


def test_broken_files_same_verdict_on_all_three_paths():
    d = Daemon("va1")
    try:
        d.write_conf(GOOD)
        d.start()
        assert d.check().returncode == 0
        before = state(d)
        assert "10.1.0.3:80" in before[0], before[0]
        assert len(CASES) >= 40
        refused = 0
        for name, case in CASES + MAYBE:
            with open(d.conf, "w") as f:
                f.write(file_text(d, case))
            t = d.check()
            if t.returncode == 0:
                assert (name, case) in MAYBE, "%s: dpvs -t accepts it:\n%s" % (name, t.stdout)
                # accepted: the reload must apply it, then the good file again
                r = d.dpip("config", "reload", check=False)
                assert r.returncode == 0, "%s: -t accepts, reload refuses:\n%s" % (name,
                                                                                 r.stderr)
                d.write_conf(GOOD)
                d.dpip("config", "reload")
                continue
            refused += 1
            mt = messages(t.stderr, d.conf)
            assert t.returncode == 1 and mt, "%s: -t said\n%s" % (name, t.stderr)
            s = d.run_fg()
            ms = messages(s.stderr, d.conf)
            assert s.returncode == 1 and "not started" in s.stderr, (name, s.stderr)
            assert ms == mt, "%s: start and -t differ:\n%s\n---\n%s" % (name, ms, mt)
            r = d.dpip("config", "reload", check=False)
            mr = messages(r.stderr, d.conf)
            assert r.returncode != 0 and "nothing changed" in r.stderr, (name, r.stderr)
            cut = "cut here" in r.stderr
            assert mr == mt or (cut and mt[:len(mr)] == mr), \
                "%s: reload and -t differ:\n%s\n---\n%s" % (name, mr, mt)
            assert state(d) == before, "%s: the refused reload changed the state" % name
            assert d.proc.poll() is None, "%s: the daemon died" % name
        assert refused >= 40, refused
        # and the good file again: valid everywhere, no change
        d.write_conf(GOOD)
        assert d.check().returncode == 0
        r = d.dpip("config", "reload")
        assert r.stdout.strip() == "no change", r.stdout
        assert state(d) == before
    finally:
        d.cleanup()


def test_reload_reports_what_changed():
    """A reload that adds, updates and removes says so line by line and
    exits 0; "no change" only when nothing changed."""
    d = Daemon("va2")
    try:
        d.write_conf(GOOD)
        d.start()
        assert d.dpip("config", "reload").stdout.strip() == "no change"
        d.write_conf(GOOD.replace("rs2 = -r 10.1.0.3:80 -m -w 2", "rs2 = -r 10.1.0.3:80 -m -w 5")
                     .replace("rs1 = -r 10.1.0.2:80 -m -w 1\n", "") +
                     svc("-t 10.0.0.100:443 -s wlc", "-r 10.1.0.2:443 -m"))
        out = d.dpip("config", "reload").stdout
        assert "no change" not in out, out
        assert "[service:x] TCP 10.0.0.100:443 added" in out, out
        assert "real server 10.1.0.3:80 updated" in out, out
        assert "real server 10.1.0.2:80 removed" in out, out
        assert "10.0.0.100:443" in d.ipvsadm("-Ln").stdout
        assert d.dpip("config", "reload").stdout.strip() == "no change"
    finally:
        d.cleanup()
