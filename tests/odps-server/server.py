#!/usr/bin/env python3
"""A strict local MaxCompute (ODPS) server for mcsync's tests: Tunnel batch upload
and SQL instances, on sqlite3 (spec: MaxCompute Tunnel protocol, §9).

  python3 server.py --port=0 --data=DIR --ready-file=F --project=NAME[,NAME...]
                    [--credentials=FILE | --access-id=ID --access-key=SECRET]
                    [--max-skew=900] [--session-ttl=86400] [--faults=FILE] [--seed=N]
                    [--max-block-bytes=N] [--region=R] [--logview-host=URL]
                    [--block-decoder=FILE|python] [--no-fullscan=1]

The service endpoint is http://127.0.0.1:PORT/api, the tunnel endpoint (what
discovery answers) 127.0.0.1:PORT with no prefix; GET /api/logview/host answers
--logview-host (default http://127.0.0.1:PORT; empty: an empty answer). It writes PORT to the ready
file once it listens; stop it by its pid (SIGTERM: the rows of commits not read yet
are copied into their tables first, committed.py). Blocks are decoded by the C
decoder --block-decoder names (make builds it: $(O)/tools/odps-blockdec.so;
blockdec.c, cross-checked against the reference by blockdec_check.py) for the
tables whose types it takes, else (and with python, the default) by
recstream.py. Credentials: a file of
key=value lines (access_id, access_key, optional security_token; the odpscmd
config keys), else --access-id/--access-key, else the environment
(ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET). The secret is
never printed. Every request is logged, without its headers, in DIR/requests.log.
--no-fullscan=1 refuses, as a project with odps.sql.allow.fullscan false does, a
statement reading a partitioned table with no predicate on a partition column,
unless its settings (or a SET) allow a full scan. See docs/maxcompute.md, "The
local test server".
"""
import email.utils
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blockdec  # noqa: E402
import catalog  # noqa: E402
import committed  # noqa: E402
import faults  # noqa: E402
import odpssign  # noqa: E402
import recstream  # noqa: E402
import sqlodps  # noqa: E402
import upserts  # noqa: E402

MAX_BLOCK_ID = 19999
TUNNEL_VERSIONS = ("5", "6")
ENCODINGS = ("deflate", "zstd")
DATE_RE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d\d:\d\d:\d\d GMT\Z")
TABLE_RE = re.compile(r"/projects/([^/]+)(?:/schemas/([^/]+))?/tables/([^/]+)\Z")
UPSERTS_RE = re.compile(r"/projects/([^/]+)(?:/schemas/([^/]+))?/tables/([^/]+)/upserts\Z")
PARAMS = {
    "create": {"uploads", "partition", "overwrite", "create_partition", "quotaName", "curr_project", "reload"},
    "status": {"uploadid", "partition", "quotaName", "curr_project", "getblockid", "reload"},
    "put": {"uploadid", "blockid", "partition", "quotaName", "curr_project"},
    "commit": {"uploadid", "partition", "quotaName", "curr_project"},
}


class Err(Exception):
    def __init__(self, status, code, msg, close=False):
        Exception.__init__(self, msg)
        self.status, self.code, self.msg, self.close = status, code, msg, close


class Drop(Exception):
    """Close the connection without an answer."""


class State:
    def __init__(self, opts):
        self.o = opts
        self.data = opts["data"]
        self.projects = {}
        for name in opts["projects"]:
            if not catalog.NAME_RE.match(name):
                sys.exit("server.py: bad project name %r" % name)
            self.projects[name] = catalog.Project(os.path.join(self.data, name + ".db"), name)
        self.faults = faults.Faults(self.data, opts.get("faults"), opts.get("seed"))
        bd = opts.get("block_decoder") or "python"
        self.blockdec = None if bd == "python" else blockdec.decoder(bd)
        self.blockdec_path = os.path.abspath(bd)
        self.decoder = "Python (recstream.py)" if self.blockdec is None else "C (%s)" % bd
        self.loglock = threading.Lock()
        self.port = 0
        self.tokens = {}    # Logview bearer tokens signed: token -> what it reads
        # PUTs being handled at once (the client's parallel connections)
        self.putlock = threading.Lock()
        self.puts_now = self.puts_max = self.puts = 0
        # SQL instances submitted, and those of them that are queries (SELECT / WITH)
        self.instances = self.queries = 0
        # CPU seconds of the handling threads, by step (GET /_mcsync/stats)
        self.cpu = dict.fromkeys(("inflate", "decode", "store", "commit"), 0.0)

    def cpu_add(self, step, since):
        """add the calling thread's CPU time since `since` (time.thread_time()) to step"""
        d = time.thread_time() - since
        with self.putlock:
            self.cpu[step] += d

    def put_begin(self):
        with self.putlock:
            self.puts_now += 1
            self.puts += 1
            self.puts_max = max(self.puts_max, self.puts_now)

    def instance_begin(self, query):
        q = re.sub(r"(?is)^(\s*SET\s[^;]*;)*\s*", "", query)
        with self.putlock:
            self.instances += 1
            if re.match(r"(?i)(SELECT|WITH)\b", q):
                self.queries += 1

    def put_end(self):
        with self.putlock:
            self.puts_now -= 1

    def stats(self, reset=False):
        with self.putlock:
            r = {"puts": self.puts, "puts_now": self.puts_now, "puts_max_concurrent": self.puts_max,
                 "block_decoder": self.decoder, "cpu": dict(self.cpu),
                 "instances": self.instances, "queries": self.queries}
            # the rows of committed blocks copied into their tables when first read
            r["cpu"]["materialise"] = sum(getattr(p, "mat_cpu", 0.0) for p in self.projects.values())
            if reset:
                self.puts = self.instances = self.queries = 0
                self.puts_max = self.puts_now
                self.cpu = dict.fromkeys(self.cpu, 0.0)
                for p in self.projects.values():
                    p.mat_cpu = 0.0
        return r

    def project(self, name, service):
        p = self.projects.get(name)
        if p is None:
            raise Err(404, "NoSuchProject", "project %s does not exist" % name)
        return p


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "odps-local/1"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # --- plumbing ---
    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_HEAD(self):
        self.handle_any("HEAD")

    def send(self, status, body=b"", ctype=None, extra=()):
        if self.slow:
            time.sleep(self.slow)
        self.send_response(status)
        self.send_header("x-odps-request-id", self.rid)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if not self.body_done:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.logline(status, self.errcode)

    def logline(self, status, code):
        st = self.server.state
        with st.loglock:
            with open(os.path.join(st.data, "requests.log"), "a") as f:
                f.write("%.3f %s %s %s %s\n" % (time.time(), self.command, self.path, status, code or "-"))

    def drop(self):
        self.logline("drop", self.errcode)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def error(self, e):
        self.errcode = e.code
        if e.close:
            self.body_done = False
        if self.service:
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
                    "<RequestId>%s</RequestId><HostId>127.0.0.1</HostId></Error>" % (
                        escape(e.code), escape(e.msg), self.rid)).encode()
            self.send(e.status, body, "application/xml")
        else:
            body = json.dumps({"Code": e.code, "Message": e.msg, "RequestId": self.rid}).encode()
            self.send(e.status, body, "application/json")

    def handle_any(self, method):
        st = self.server.state
        self.rid = "%s%08x" % (time.strftime("%Y%m%d%H%M%S", time.gmtime()), random.getrandbits(32))
        self.body_done = self.headers.get("Content-Length") in (None, "0") and \
            "Transfer-Encoding" not in self.headers
        self.errcode = None
        self.slow = 0
        raw = self.path
        path, _, rawq = raw.partition("?")
        self.service = path.startswith("/api/")
        try:
            if path.startswith("/_mcsync/"):
                return self.control(method, path)
            try:
                params = odpssign.parse_query(rawq)
            except Exception:
                raise Err(400, "InvalidArgument", "bad query string")
            names = [k for k, _ in params]
            if len(set(names)) != len(names):
                raise Err(400, "InvalidArgument", "a query parameter appears twice")
            self.params = dict(params)
            if self.service:
                rel = path[4:]
            elif path.startswith("/projects/"):
                rel = path
            else:
                raise Err(404, "NoSuchObject", "no resource %s (service paths begin /api/, "
                          "tunnel paths /projects/)" % path)
            kind, route = self.route(method, rel)
            self.kind = kind
            self.authenticate(method, rel, params)
            rule = st.faults.pick(kind, "%s %s" % (method, raw))
            self.rule = rule
            if rule is not None:
                if rule.action in ("500", "502", "503", "504", "429"):
                    s = int(rule.action)
                    code = {429: "FlowExceeded", 500: "InternalServerError"}.get(s, "ServiceUnavailable")
                    raise Err(s, code, "injected fault: %s" % rule.text, close=True)
                if rule.action == "drop" and kind != "put":
                    raise Drop()
                if rule.action == "slow":
                    self.slow = rule.delay
            route()
        except Drop:
            self.drop()
        except Err as e:
            self.error(e)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug of the server: say so, loudly
            import traceback
            traceback.print_exc()
            self.error(Err(500, "InternalServerError", "local server bug: %s" % e, close=True))

    # --- control endpoint (tests only; not signed) ---
    def control(self, method, path):
        st = self.server.state
        self.service = False
        if path == "/_mcsync/faults":
            if method == "POST":
                body = self.read_plain_body().decode()
                try:
                    st.faults.add(body)
                except ValueError as e:
                    raise Err(400, "InvalidArgument", str(e))
            elif method == "DELETE":
                st.faults.clear()
            elif method != "GET":
                raise Err(405, "InvalidArgument", "GET, POST or DELETE")
            return self.send(200, json.dumps(st.faults.state()).encode(), "application/json")
        if path == "/_mcsync/stats":
            # GET: PUTs handled, the most handled at once, SQL instances submitted (and how
            # many of them are queries); DELETE: start counting again
            if method not in ("GET", "DELETE"):
                raise Err(405, "InvalidArgument", "GET or DELETE")
            self.read_plain_body()
            return self.send(200, json.dumps(st.stats(method == "DELETE")).encode(), "application/json")
        if path == "/_mcsync/tokens" and method == "GET":
            # the bearer tokens signed for Logview URLs: {token: {project, instance, hours}}
            with st.loglock:
                t = json.dumps(st.tokens)
            return self.send(200, t.encode(), "application/json")
        if path == "/_mcsync/upserts" and method == "GET":
            return self.send(200, upserts.debug_state(st), "application/json")
        raise Err(404, "NoSuchObject", "control paths: /_mcsync/faults, /_mcsync/stats, /_mcsync/tokens, "
                  "/_mcsync/upserts")

    # --- authentication (§4.2) ---
    def authenticate(self, method, rel, params):
        st = self.server.state
        o = st.o
        auth = self.headers.get("Authorization")
        if not auth:
            raise Err(401, "Unauthorized", "no Authorization header", close=True)
        date = self.headers.get("Date")
        if date is None or not DATE_RE.match(date):
            raise Err(403, "InvalidArgument" if not self.service else "ODPS-0410040:Invalid date",
                      "the Date header %r is not an RFC 1123 GMT date" % date, close=True)
        when = email.utils.parsedate_to_datetime(date).timestamp()
        now = time.time()
        if abs(now - when) > o["max_skew"]:
            raise Err(403, "RequestTimeTooSkewed",
                      "max_interval_date:%d,expire_date:%s,now_date:%s" % (
                          o["max_skew"], date, email.utils.formatdate(now, usegmt=True)), close=True)
        m = re.match(r"ODPS ([^:/\s]+)(/(\d{8})/([A-Za-z0-9-]+)/odps/aliyun_v4_request)?:(\S+)\Z", auth)
        if not m:
            raise Err(401, "Unauthorized", "Authorization is not 'ODPS <id>:<signature>'", close=True)
        aid, v4, day, region, sig = m.groups()
        if not hmac.compare_digest(aid.encode(), o["access_id"].encode()):
            raise Err(401, "Unauthorized" if not self.service else "ODPS-0410051:Invalid credentials",
                      "unknown AccessKeyId %s" % aid, close=True)
        tok = self.headers.get("authorization-sts-token")
        if (tok or "") != (o.get("security_token") or ""):
            raise Err(401, "Unauthorized" if not self.service else "ODPS-0410051:Invalid credentials",
                      "the STS token is missing or wrong" if o.get("security_token")
                      else "an STS token was sent; the server's credentials have none", close=True)
        s2s = odpssign.string_to_sign(method, rel, params, self.headers.items())
        if v4:
            if o.get("region") and region != o["region"]:
                raise Err(401, "Unauthorized", "v4 signature for region %s, the server is %s" % (
                    region, o["region"]), close=True)
            if day != time.strftime("%Y%m%d", time.gmtime(when)):
                raise Err(401, "Unauthorized", "v4 signature day %s is not the Date's" % day, close=True)
            want = odpssign.sign_v4(o["access_key"], day, region, s2s)
        else:
            want = odpssign.sign_v2(o["access_key"], s2s)
        if not hmac.compare_digest(sig.encode(), want.encode()):
            raise Err(401, "Unauthorized" if not self.service else "ODPS-0410042:Invalid signature value",
                      "SignatureNotMatch: the signature does not match the server's string to sign: %s"
                      % json.dumps(s2s), close=True)

    # --- bodies ---
    def read_plain_body(self, limit=1 << 20):
        if "Transfer-Encoding" in self.headers:
            return self.read_chunked(limit)
        n = self.headers.get("Content-Length")
        if n is None:
            self.body_done = True
            return b""
        if not n.isdigit() or int(n) > limit:
            raise Err(400, "InvalidArgument", "bad Content-Length %s" % n, close=True)
        b = self.rfile.read(int(n))
        if len(b) != int(n):
            raise Err(400, "IncompleteBody", "the body ends after %d of %s bytes" % (len(b), n), close=True)
        self.body_done = True
        return b

    def read_chunked(self, limit, stop_after=None, keep=False):
        """the body (keep: the bytearray it was read into, not copied into bytes)"""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            raise Err(400, "InvalidArgument", "Transfer-Encoding %s" % self.headers.get("Transfer-Encoding"),
                      close=True)
        # the chunks are kept as read and joined once at the end: a
        # bytearray grown chunk by chunk copied the body over and over
        # (most of this server's memory copying in a load)
        parts = []
        got = 0
        while True:
            line = self.rfile.readline(100)
            m = re.match(rb"([0-9A-Fa-f]{1,8})(;[^\r\n]*)?\r\n\Z", line)
            if not m:
                raise Err(400, "IncompleteBody", "bad chunk header after %d body bytes" % got, close=True)
            n = int(m.group(1), 16)
            if n == 0:
                break
            if got + n > limit:
                raise Err(413, "InvalidArgument", "the body is over %d bytes (--max-block-bytes)" % limit,
                          close=True)
            if stop_after is not None and got + n >= stop_after:
                self.rfile.read(max(stop_after - got, 0))
                raise Drop()
            c = self.rfile.read(n)
            if len(c) != n or self.rfile.read(2) != b"\r\n":
                raise Err(400, "IncompleteBody", "the body ends inside a chunk after %d bytes" % got,
                          close=True)
            parts.append(c)
            got += n
        out = bytearray().join(parts)
        while True:
            line = self.rfile.readline(1000)
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise Err(400, "IncompleteBody", "the chunked body has no end", close=True)
        self.body_done = True
        return out if keep else bytes(out)

    def check_md5(self, body):
        md5 = self.headers.get("Content-MD5")
        if md5 is not None and md5.lower() != hashlib.md5(body).hexdigest():
            raise Err(400, "InvalidArgument" if not self.service else "ODPS-0410001:Invalid Content-MD5",
                      "Content-MD5 %s is not the MD5 of the body" % md5)

    def empty_body(self, what):
        b = self.read_plain_body()
        if b:
            raise Err(400, "InvalidArgument", "%s takes an empty body, this one has %d bytes" % (what, len(b)))
        self.check_md5(b)

    # --- routing ---
    def route(self, method, rel):
        st = self.server.state
        q = self.params
        if self.service:
            m = re.match(r"/projects/([^/]+)/tunnel\Z", rel)
            if m:
                if method != "GET" or "service" not in q:
                    raise Err(400, "InvalidArgument", "tunnel discovery is GET .../tunnel?service")
                self.only({"service", "curr_project", "quotaName"})
                return "discover", lambda: self.discover(unquote(m.group(1)))
            if rel == "/logview/host":
                if method != "GET":
                    raise Err(405, "InvalidArgument", "the Logview host is GET /logview/host")
                self.only({"curr_project"})
                return "logview", self.logview_host
            m = re.match(r"/projects/([^/]+)/authorization\Z", rel)
            if m and "sign_bearer_token" in q:
                if method != "POST":
                    raise Err(405, "InvalidArgument", "a bearer token is POST .../authorization?sign_bearer_token")
                self.only({"sign_bearer_token", "curr_project"})
                return "token", lambda: self.sign_bearer_token(unquote(m.group(1)))
            m = re.match(r"/projects/([^/]+)/instances(?:/([^/]+))?\Z", rel)
            if m:
                proj = unquote(m.group(1))
                iid = m.group(2) and unquote(m.group(2))
                if iid is None and method == "POST":
                    self.only({"curr_project"})
                    return "submit", lambda: self.submit(proj)
                if iid is not None and method == "GET":
                    self.only({"curr_project", "taskstatus", "result", "instancestatus"})
                    return "poll", lambda: self.poll(proj, iid)
                if iid is not None and method == "PUT":
                    self.only({"curr_project"})
                    return "poll", lambda: self.stop(proj, iid)
            if TABLE_RE.match(rel) and ("uploads" in q or "uploadid" in q):
                raise Err(400, "InvalidArgument", "a tunnel request on the service endpoint: tunnel paths "
                          "have no /api prefix (discover the tunnel endpoint, §2.2)")
            raise Err(404, "NoSuchObject", "the local server has no %s %s" % (method, rel))
        m = UPSERTS_RE.match(rel)
        if m:   # upsert sessions of PK Delta Tables: upserts.py
            proj, schema, table = (unquote(x) if x else x for x in m.groups())
            if schema is not None and schema != "default":
                raise Err(404, "NoSuchObject", "schema %s does not exist" % schema)
            return upserts.dispatch(self, method, proj, table, Err, Drop)
        m = TABLE_RE.match(rel)
        if not m:
            raise Err(404, "NoSuchObject", "the tunnel has no resource %s" % rel)
        proj, schema, table = (unquote(x) if x else x for x in m.groups())
        if schema is not None and schema != "default":
            raise Err(404, "NoSuchObject", "schema %s does not exist (the local server has only 'default')"
                      % schema)
        if "downloads" in q or "downloadid" in q:
            raise Err(400, "InvalidArgument", "download sessions are not served by the local server")
        if method == "POST" and "uploads" in q:
            kind = "create"
        elif method == "GET" and "uploadid" in q:
            kind = "status"
        elif method == "PUT" and "uploadid" in q and "blockid" in q:
            kind = "put"
        elif method == "POST" and "uploadid" in q and "blockid" not in q:
            kind = "commit"
        else:
            raise Err(400, "InvalidArgument", "no tunnel request is %s with parameters %s" % (
                method, ",".join(sorted(q))))
        self.only(PARAMS[kind])
        v = self.headers.get("x-odps-tunnel-version")
        if v not in TUNNEL_VERSIONS:
            raise Err(400, "InvalidArgument", "x-odps-tunnel-version %s (this server speaks %s)" % (
                v, " or ".join(TUNNEL_VERSIONS)))
        if not q.get("curr_project"):
            raise Err(400, "InvalidArgument", "no curr_project parameter")
        fn = getattr(self, "t_" + kind)
        return kind, lambda: fn(proj, table)

    def only(self, allowed):
        bad = sorted(set(self.params) - allowed)
        if bad:
            raise Err(400, "InvalidArgument", "unknown parameter %s here (allowed: %s)" % (
                bad[0], ", ".join(sorted(allowed))))

    # --- discovery (§2.2) ---
    def discover(self, proj):
        st = self.server.state
        st.project(proj, True)
        self.empty_body("discovery")
        self.send(200, ("127.0.0.1:%d" % st.port).encode(), "text/plain")

    # --- tunnel sessions (§3) ---
    def table_of(self, proj, table):
        p = self.server.state.project(proj, False)
        with p.lock:
            t = p.table(table)
        if t is None:
            raise Err(404, "NoSuchTable", "table %s.%s does not exist" % (proj, table))
        return p, t

    def spec(self, p, t):
        ps = self.params.get("partition")
        if not t.parts:
            if ps is not None:
                raise Err(400, "InvalidArgument", "table %s is not partitioned; no partition parameter" % t.name)
            return ""
        if ps is None:
            raise Err(400, "InvalidArgument", "table %s is partitioned by %s: the last-level partition is "
                      "required" % (t.name, ",".join(k for k, _ in t.parts)))
        pairs = []
        for kv in ps.split(","):
            k, eq, v = kv.partition("=")
            if not eq or "'" in v or '"' in v:
                raise Err(400, "InvalidArgument", "partition %r is not k1=v1,k2=v2 (no quotes)" % ps)
            pairs.append((k, v))
        try:
            return p.spec_from_pairs(t, pairs, "partition")
        except catalog.CatalogError as e:
            raise Err(e.status, e.code, e.msg)

    def session(self, p, t, for_write):
        sid = self.params["uploadid"]
        r = p.db.execute("SELECT id, tbl, spec, overwrite, status, created, expires FROM _odps_sessions "
                         "WHERE id = ?", (sid,)).fetchone()
        if r is None or r[1].lower() != t.name.lower():
            raise Err(400, "InvalidArgument",
                      "upload session %s does not exist for table %s" % (sid, t.name))
        spec = self.spec(p, t)
        if spec != r[2]:
            raise Err(400, "InvalidArgument", "upload session %s is for partition '%s', not '%s'" % (
                sid, r[2], spec))
        status = r[4]
        if self.rule is not None and self.rule.action == "expire" and status == "normal":
            status = "expired"
            p.db.execute("UPDATE _odps_sessions SET status = 'expired' WHERE id = ?", (sid,))
        if status == "normal" and time.time() > r[6]:
            status = "expired"
            p.db.execute("UPDATE _odps_sessions SET status = 'expired' WHERE id = ?", (sid,))
        if for_write and status != "normal":
            raise Err(409, "StatusConflict", "upload session %s is %s" % (sid, status))
        return {"id": sid, "spec": r[2], "overwrite": bool(r[3]), "status": status, "created": r[5]}

    def session_json(self, p, t, s):
        def col(c):
            return {"name": c[0], "type": recstream.type_str(c[1]), "comment": c[3] if len(c) > 3 else "",
                    "nullable": c[2] if len(c) > 2 else True, "column_id": "", "default_value": ""}
        blocks = [{"BlockID": b, "RecordCount": n, "CreateTime": int(ct), "Version": v,
                   "Date": email.utils.formatdate(ct, usegmt=True), "FileName": "%s/%d" % (s["id"], b)}
                  for b, n, ct, v in p.db.execute(
                      "SELECT blockid, records, created, version FROM _odps_blocks WHERE sid = ? "
                      "ORDER BY blockid", (s["id"],))]
        cols = [col(c) for c in t.cols]
        for i, c in enumerate(cols):
            c["column_id"] = str(i + 1)
        return json.dumps({
            "UploadID": s["id"], "Status": s["status"], "MaxFieldSize": recstream.MAX_FIELD_SIZE,
            "QuotaName": self.params.get("quotaName", ""), "Initiated": email.utils.formatdate(
                s["created"], usegmt=True), "IsOverwrite": s["overwrite"], "Owner": "ALIYUN$local",
            "Schema": {"IsVirtualView": False, "columns": cols,
                       "partitionKeys": [col((k, kt)) for k, kt in t.parts]},
            "UploadedBlockList": blocks}).encode()

    def flag(self, name):
        v = self.params.get(name)
        if v is None:
            return False
        if v not in ("true", "false"):
            raise Err(400, "InvalidArgument", "%s=%s: true or false" % (name, v))
        return v == "true"

    def t_create(self, proj, table):
        st = self.server.state
        p, t = self.table_of(proj, table)
        overwrite = self.flag("overwrite")
        create = self.flag("create_partition")
        if self.params["uploads"] not in ("", "1"):
            raise Err(400, "InvalidArgument", "uploads=%s" % self.params["uploads"])
        spec = self.spec(p, t)
        self.empty_body("session creation")
        with p.lock:
            if spec and not p.has_partition(t, spec):
                if not create:
                    raise Err(404, "NoSuchPartition", "partition %s of table %s does not exist (create it "
                              "or send create_partition=true)" % (spec, t.name))
                p.add_partition(t, spec)
            now = time.time()
            sid = time.strftime("%Y%m%d%H%M%S", time.gmtime(now)) + "%018x" % random.getrandbits(72)
            p.db.execute("INSERT INTO _odps_sessions VALUES (?, ?, ?, ?, 'normal', ?, ?)",
                         (sid, t.name, spec, int(overwrite), now, now + st.o["session_ttl"]))
            s = {"id": sid, "spec": spec, "overwrite": overwrite, "status": "normal", "created": now}
            body = self.session_json(p, t, s)
        self.send(201, body, "application/json")

    def t_status(self, proj, table):
        p, t = self.table_of(proj, table)
        self.empty_body("the status request")
        with p.lock:
            s = self.session(p, t, False)
            body = self.session_json(p, t, s)
        self.send(200, body, "application/json")

    def t_put(self, proj, table):
        st = self.server.state
        st.put_begin()
        try:
            self.t_put_counted(st, proj, table)
        finally:
            st.put_end()

    def t_put_counted(self, st, proj, table):
        p, t = self.table_of(proj, table)
        b = self.params["blockid"]
        if not re.match(r"(0|[1-9][0-9]{0,4})\Z", b) or int(b) > MAX_BLOCK_ID:
            raise Err(400, "InvalidBlockID", "block id %s is not 0..%d" % (b, MAX_BLOCK_ID), close=True)
        bid = int(b)
        try:
            with p.lock:
                self.session(p, t, True)
        except Err as e:
            e.close = True
            raise
        ct = self.headers.get("Content-Type")
        if ct != "application/octet-stream":
            raise Err(400, "InvalidArgument", "Content-Type %s: a block is application/octet-stream" % ct,
                      close=True)
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            raise Err(400, "InvalidArgument", "a block is sent with Transfer-Encoding: chunked", close=True)
        enc = self.headers.get("Content-Encoding")
        if enc is not None and enc not in ENCODINGS:
            raise Err(400, "InvalidArgument", "Content-Encoding %s: this server takes %s" % (
                enc, " or ".join(ENCODINGS)), close=True)
        if enc == "zstd" and st.blockdec is None and not shutil.which("zstd"):
            raise Err(400, "InvalidArgument", "Content-Encoding zstd: no zstd command on this machine", close=True)
        limit = st.o["max_block_bytes"]
        stop = None
        if self.rule is not None and self.rule.action == "drop":
            stop = 1      # read the first byte of the body, then close
        raw = self.read_chunked(limit, stop, keep=True)
        self.check_md5(raw)
        cols = [(c[0], c[1], c[2]) for c in t.cols]
        c0 = [time.thread_time()]

        def step(name):
            st.cpu_add(name, c0[0])
            c0[0] = time.thread_time()
        got = None
        try:
            if st.blockdec is not None and st.blockdec.schema(cols) is not None:
                # the C decoder takes the table's types: the block inflated
                # in process (blockinf.c: the same outcomes as inflate())
                # and checked (blockdec.py: the same checks and messages as
                # recstream.py) in C memory; the block is then stored as
                # received and its rows decoded at the table's first read
                # (committed.py)
                if enc is not None:
                    got = st.blockdec.inflate_check(raw, enc, limit, cols, timer=step)
                else:
                    step("inflate")
                    got = st.blockdec.check(raw, cols)
                    step("decode")
            else:
                # the reference decoder of recstream.py (inflated in C when
                # the server has the C library)
                raw = bytes(raw)
                if enc is not None and st.blockdec is not None:
                    body = st.blockdec.inflate(raw, enc, limit)
                else:
                    body = self.inflate(raw, enc, limit)
                step("inflate")
                try:
                    rows = recstream.decode(body, cols)
                finally:
                    step("decode")
        except blockdec.InflateError as e:
            raise Err(e.status, "InvalidArgument", e.msg)
        except recstream.StreamError as e:
            raise Err(400, e.code, "block %d: %s" % (bid, e.msg))
        c0 = time.thread_time()
        if got is not None:
            blob = committed.pack_raw(raw, enc, st.blockdec_path, st.blockdec.schema(cols),
                                      recstream.MAX_FIELD_SIZE, limit)
        with p.lock:
            self.session(p, t, True)
            if got is None:
                p.put_block(self.params["uploadid"], bid, rows)
            else:
                p.put_block_marshal(self.params["uploadid"], bid, got, blob)
        st.cpu_add("store", c0)
        if self.rule is not None and self.rule.action == "lost":
            raise Drop()
        self.send(201, b"")

    def inflate(self, raw, enc, limit):
        """the reference (the server decoding in Python): Python's zlib, the zstd command"""
        if enc is None:
            return raw
        if enc == "deflate":
            d = zlib.decompressobj()
            try:
                out = d.decompress(raw, limit + 1)
            except zlib.error as e:
                raise Err(400, "InvalidArgument", "Content-Encoding deflate: not a zlib stream (RFC 1950): %s" % e)
            if len(out) > limit:
                raise Err(413, "InvalidArgument", "the inflated block is over %d bytes" % limit)
            if not d.eof:
                raise Err(400, "InvalidArgument", "Content-Encoding deflate: the zlib stream is cut short")
            if d.unused_data:
                raise Err(400, "InvalidArgument", "Content-Encoding deflate: %d bytes after the zlib stream"
                          % len(d.unused_data))
            return out
        r = subprocess.run(["zstd", "-d", "-c", "-q"], input=raw, capture_output=True)
        if r.returncode != 0:
            raise Err(400, "InvalidArgument", "Content-Encoding zstd: %s" % r.stderr.decode(errors="replace")
                      .strip().splitlines()[-1:])
        if len(r.stdout) > limit:
            raise Err(413, "InvalidArgument", "the decompressed block is over %d bytes" % limit)
        return r.stdout

    def t_commit(self, proj, table):
        p, t = self.table_of(proj, table)
        self.empty_body("a commit")
        c0 = time.thread_time()
        with p.lock:
            s = self.session(p, t, True)
            p.commit_session(s["id"], t, s["spec"], s["overwrite"])
            s["status"] = "closed"
            body = self.session_json(p, t, s)
        self.server.state.cpu_add("commit", c0)
        if self.rule is not None and self.rule.action == "lost":
            raise Drop()
        if self.rule is not None and self.rule.action == "dup":
            raise Err(409, "StatusConflict", "upload session %s is closed" % s["id"])
        self.send(200, body, "application/json")

    # --- Logview (what pyodps and the Java SDK ask; not in the protocol notes) ---
    def logview_host(self):
        self.empty_body("the Logview host request")
        st = self.server.state
        h = st.o.get("logview_host")
        if h is None:
            h = "http://127.0.0.1:%d" % st.port
        self.send(200, h.encode(), "text/plain")

    def sign_bearer_token(self, proj):
        """A bearer token for reading one instance: the body is the SDKs' JSON
        {"expires_in_hours": N, "policy": {"Statement": [{"Action": ["odps:Read"],
        "Effect": "Allow", "Resource": "acs:odps:*:projects/P/instances/I"}], "Version": "1"}},
        checked member by member; the answer <Authorization><Result>TOKEN</Result>."""
        st = self.server.state
        p = st.project(proj, True)
        if self.params["sign_bearer_token"] != "":
            raise Err(400, "InvalidArgument", "sign_bearer_token takes no value")
        ct = self.headers.get("Content-Type", "")
        if ct.split(";")[0].strip() != "application/json":
            raise Err(400, "InvalidArgument", "Content-Type %s: a token request is application/json" % ct)
        body = self.read_plain_body()
        self.check_md5(body)
        try:
            j = json.loads(body.decode("utf-8"))
        except ValueError as e:
            raise Err(400, "InvalidArgument", "the token request is not JSON: %s" % e)
        if not isinstance(j, dict) or set(j) != {"expires_in_hours", "policy"}:
            raise Err(400, "InvalidArgument", "the token request is {\"expires_in_hours\": N, \"policy\": {...}}")
        hours = j["expires_in_hours"]
        if not isinstance(hours, int) or isinstance(hours, bool) or hours < 1:
            raise Err(400, "InvalidArgument", "expires_in_hours %r: a positive integer" % (hours,))
        pol = j["policy"]
        if not isinstance(pol, dict) or set(pol) != {"Statement", "Version"} or pol["Version"] != "1" or \
                not isinstance(pol["Statement"], list) or len(pol["Statement"]) != 1:
            raise Err(400, "InvalidArgument", "the policy is {\"Statement\": [one statement], \"Version\": \"1\"}")
        stm = pol["Statement"][0]
        if not isinstance(stm, dict) or set(stm) != {"Action", "Effect", "Resource"} or \
                stm["Action"] != ["odps:Read"] or stm["Effect"] != "Allow":
            raise Err(400, "InvalidArgument", "the statement is Action [\"odps:Read\"], Effect Allow, a Resource")
        m = re.match(r"acs:odps:\*:projects/([^/]+)/instances/([^/]+)\Z", str(stm["Resource"]))
        if not m or m.group(1) != proj:
            raise Err(400, "InvalidArgument", "Resource %r is not acs:odps:*:projects/%s/instances/ID"
                      % (stm["Resource"], proj))
        iid = m.group(2)
        with p.lock:
            if p.db.execute("SELECT 1 FROM _odps_instances WHERE id = ?", (iid,)).fetchone() is None:
                raise Err(404, "NoSuchObject", "instance %s does not exist" % iid)
        mac = hmac.new(st.o["access_key"].encode(), ("%s/%s/%d" % (proj, iid, hours)).encode(),
                       hashlib.sha256).hexdigest()[:32]
        tok = "local%s" % mac
        with st.loglock:
            st.tokens[tok] = {"project": proj, "instance": iid, "hours": hours}
        self.send(200, ('<?xml version="1.0" encoding="UTF-8"?>\n<Authorization><Result>%s</Result>'
                        '</Authorization>' % tok).encode(), "application/xml")

    # --- SQL instances (§8) ---
    def submit(self, proj):
        st = self.server.state
        p = st.project(proj, True)
        ct = self.headers.get("Content-Type", "")
        if ct.split(";")[0].strip() != "application/xml":
            raise Err(400, "InvalidArgument", "Content-Type %s: an instance is application/xml" % ct, close=True)
        body = self.read_plain_body(16 << 20)
        self.check_md5(body)
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise Err(400, "InvalidArgument", "the instance XML does not parse: %s" % e)
        tasks = root.findall("./Job/Tasks/*") if root.tag == "Instance" else []
        if len(tasks) != 1 or tasks[0].tag != "SQL":
            raise Err(400, "InvalidArgument", "an instance here holds one SQL task in Instance/Job/Tasks")
        name = tasks[0].findtext("Name")
        query = tasks[0].findtext("Query")
        if not name or query is None:
            raise Err(400, "InvalidArgument", "the SQL task needs a Name and a Query")
        settings = {}
        for prop in tasks[0].findall("./Config/Property"):
            if prop.findtext("Name") == "settings":
                try:
                    s = json.loads(prop.findtext("Value") or "")
                    if not isinstance(s, dict) or not all(isinstance(v, str) for v in s.values()):
                        raise ValueError("values must be strings")
                except ValueError as e:
                    raise Err(400, "InvalidArgument", "the settings property is not a JSON object of "
                              "strings: %s" % e)
                settings = s
        fullscan = not st.o.get("no_fullscan") or \
            settings.get("odps.sql.allow.fullscan", "").lower() == "true"
        st.instance_begin(query)
        iid = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "%010x" % random.getrandbits(40)
        now = time.time()
        with p.lock:
            p.db.execute("INSERT INTO _odps_instances VALUES (?, 'Running', 'Running', '', ?, ?, NULL)",
                         (iid, query, now))
        threading.Thread(target=self.run_sql, args=(p, iid, name, query, fullscan), daemon=True).start()
        loc = "http://127.0.0.1:%d/api/projects/%s/instances/%s" % (st.port, proj, iid)
        self.send(201, b"", None, [("Location", loc)])

    @staticmethod
    def run_sql(p, iid, name, query, fullscan):
        try:
            res, ts = sqlodps.run(p, query, fullscan), "Success"
        except sqlodps.SqlError as e:
            res, ts = str(e), "Failed"
        except Exception as e:  # noqa
            res, ts = "ODPS-0010000:System internal error - local server: %s" % e, "Failed"
        with p.lock:
            p.db.execute("UPDATE _odps_instances SET status = 'Terminated', task_status = ?, result = ?, "
                         "end = ? WHERE id = ? AND status = 'Running'", (ts, res, time.time(), iid))

    def instance(self, proj, iid):
        p = self.server.state.project(proj, True)
        with p.lock:
            r = p.db.execute("SELECT status, task_status, result, start, end FROM _odps_instances "
                             "WHERE id = ?", (iid,)).fetchone()
        if r is None:
            raise Err(404, "NoSuchObject", "instance %s does not exist" % iid)
        return p, r

    def poll(self, proj, iid):
        self.empty_body("a poll")
        p, (status, ts, result, start, end) = self.instance(proj, iid)
        hdr = [("x-odps-owner", "ALIYUN$local"),
               ("x-odps-start-time", email.utils.formatdate(start, usegmt=True))]
        if end:
            hdr.append(("x-odps-end-time", email.utils.formatdate(end, usegmt=True)))
        x = '<?xml version="1.0" encoding="UTF-8"?>\n<Instance>'
        if "result" in self.params:
            x += ('<Tasks><Task Type="SQL"><Name>AnonymousSQLTask</Name><Result Format="text">%s</Result>'
                  '<Status>%s</Status></Task></Tasks>' % (escape(result or ""), ts))
        elif "taskstatus" in self.params:
            x += ('<Status>%s</Status><Tasks><Task Type="SQL"><Name>AnonymousSQLTask</Name>'
                  '<StartTime>%s</StartTime><EndTime>%s</EndTime><Status>%s</Status></Task></Tasks>' % (
                      status, email.utils.formatdate(start, usegmt=True),
                      email.utils.formatdate(end, usegmt=True) if end else "", ts))
        else:
            x += "<Status>%s</Status>" % status
        x += "</Instance>"
        self.send(200, x.encode(), "application/xml", hdr)

    def stop(self, proj, iid):
        body = self.read_plain_body()
        p, _r = self.instance(proj, iid)
        with p.lock:
            p.db.execute("UPDATE _odps_instances SET status = 'Terminated', task_status = 'Cancelled', "
                         "end = ? WHERE id = ? AND status = 'Running'", (time.time(), iid))
        self.send(200, b"")


def credentials(opts):
    path = opts.get("credentials")
    if path:
        kv = {}
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    kv[k.strip()] = v.strip()
        opts["access_id"] = kv.get("access_id")
        opts["access_key"] = kv.get("access_key")
        opts["security_token"] = kv.get("security_token")
    else:
        opts.setdefault("access_id", os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"))
        opts.setdefault("access_key", os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET"))
        opts.setdefault("security_token", os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN"))
    if not opts.get("access_id") or not opts.get("access_key"):
        sys.exit("server.py: no credentials (--credentials=FILE with access_id and access_key, "
                 "--access-id/--access-key, or ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET)")


def keep_heap():
    """Large buffers (a block's body, its inflated bytes) from the heap, and
    freed ones kept there for the next block: glibc maps each allocation
    over its threshold afresh, and faulting a fresh mapping in 4 KiB pages
    costs more than inflating into it on a VM (a 44 MB block: 0.12 s of
    0.15). The threshold's maximum is 32 MiB; nothing changes elsewhere."""
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)   # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def main(argv):
    keep_heap()
    opts = {"port": 0, "max_skew": 900, "session_ttl": 86400, "max_block_bytes": 512 << 20, "projects": []}
    names = {"port": int, "data": str, "ready-file": str, "credentials": str, "access-id": str,
             "access-key": str, "max-skew": int, "session-ttl": float, "faults": str, "seed": int,
             "max-block-bytes": int, "region": str, "project": str, "logview-host": str,
             "block-decoder": str, "no-fullscan": int}
    for a in argv:
        m = re.match(r"--([a-z-]+)=(.*)\Z", a, re.S)
        if not m or m.group(1) not in names:
            sys.stderr.write("server.py: bad argument %s\n%s" % (a.split("=")[0], __doc__))
            return 2
        k, v = m.group(1), names[m.group(1)](m.group(2))
        if k == "project":
            opts["projects"] += v.split(",")
        else:
            opts[k.replace("-", "_")] = v
    if not opts.get("data") or not opts["projects"]:
        sys.stderr.write("server.py: --data=DIR and --project=NAME are required\n")
        return 2
    credentials(opts)
    os.makedirs(opts["data"], exist_ok=True)
    state = State(opts)
    srv = ThreadingHTTPServer(("127.0.0.1", opts["port"]), Handler)
    srv.daemon_threads = True
    srv.state = state
    state.port = srv.server_address[1]
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    if opts.get("ready_file"):
        tmp = opts["ready_file"] + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % state.port)
        os.rename(tmp, opts["ready_file"])
    srv.serve_forever()
    # stopped (SIGTERM): the rows of commits no read has copied yet go into
    # their tables, so that the database file alone holds them (committed.py)
    for p in state.projects.values():
        committed.materialise(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
