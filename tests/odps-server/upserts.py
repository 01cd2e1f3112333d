"""Upsert sessions of PK Delta Tables on the local server (spec: maxcompute-upsert.md,
§2, §4, §5 and every check of §9 for them).

A PK Delta Table is a table created with PRIMARY KEY (...) and TBLPROPERTIES
('transactional'='true'[, 'write.bucket.num'='N'][, 'odps.local.hasher'='legacy']);
the catalog keeps its key, bucket count and hash family in _odps_pk. Its rows are the
sqlite table of its name (read back through SQL); a commit applies the session's
operations in arrival order per bucket, all in one sqlite transaction: 'U' replaces
the whole row of its key, 'D' removes it.

Sessions live in the server's memory:  id -> {table, spec, status, buckets: {b: [ops]},
slots, ...}. Faults (faults.py) of kinds ucreate, uget, uput, ucommit, uabort; actions
beside the common ones: 308 (answer 308 with the slot's worker in odps-tunnel-routed-server),
308bare (308 without it), committing=N (the commit answers 'committing' N times first),
forget (a committed session is forgotten: 404 UpsertSessionNotFound).
Every commit is logged in DIR/upserts.log, one JSON line in commit order: the table,
partition spec, session, and each operation's key and row after it (null: deleted).
GET /_mcsync/upserts: every session (status, staged operations per bucket) and the log
of rejected upsert requests with their reason.
"""
import json
import os
import re
import struct
import threading
import time
import zlib

import committed
import recstream

META = [("__version", ("BIGINT",), True), ("__app_version", ("BIGINT",), True),
        ("__operation", ("TINYINT",), True), ("__key_cols", ("ARRAY", ("BIGINT",)), True),
        ("__value_cols", ("ARRAY", ("BIGINT",)), True)]
OP_U, OP_D = 85, 68
STATUSES = ("normal", "committing", "committed", "expired", "critical", "aborted")
HASHABLE = {"BIGINT", "INT", "SMALLINT", "TINYINT", "BOOLEAN", "FLOAT", "DOUBLE", "STRING", "CHAR",
            "VARCHAR", "BINARY", "DATE", "DATETIME", "TIMESTAMP", "TIMESTAMP_NTZ", "DECIMAL"}
PARAMS = {
    "ucreate": {"slotnum", "lifecycle", "partition", "quotaName", "curr_project"},
    "uget": {"upsertid", "partition", "quotaName", "curr_project"},
    "uput": {"upsertid", "bucketid", "slotid", "record_count", "partition", "quotaName", "curr_project"},
    "ucommit": {"upsertid", "partition", "quotaName", "curr_project"},
    "uabort": {"upsertid", "partition", "quotaName", "curr_project"},
}
PK_SCHEMA = """CREATE TABLE IF NOT EXISTS _odps_pk(tbl TEXT PRIMARY KEY COLLATE NOCASE, keys TEXT,
  buckets INTEGER, hasher TEXT, props TEXT);"""


# --- the routing hash, Java arithmetic (spec §3) ---
M64, M32 = (1 << 64) - 1, (1 << 32) - 1


def s64(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def s32(x):
    x &= M32
    return x - (1 << 32) if x >> 31 else x


def mix(h, v):
    v = s64(v)
    if h == "legacy":
        return s32((v >> 32) ^ v)
    l = (~v + (v << 18)) & M64
    l ^= s64(l) >> 31 & M64
    l = (l * 21) & M64
    l ^= s64(l) >> 11 & M64
    l = (l + (l << 6)) & M64
    l ^= s64(l) >> 22 & M64
    return s32(l)


def hbytes(h, b):
    x = 0
    if h == "legacy":
        for c in b:
            x = (x * 31 + (c - 256 if c > 127 else c)) & M32
        return s32(x)
    for c in b:
        x = (x + (c - 256 if c > 127 else c)) & M32
        x = (x + (x << 10)) & M32
        x ^= (s32(x) >> 6) & M32
    x = (x + (x << 3)) & M32
    x ^= (s32(x) >> 11) & M32
    x = (x + (x << 15)) & M32
    return s32(x)


def _days(text):
    y, m, d = (int(x) for x in text[:10].split("-"))
    import datetime
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


def _decimal(h, t, s):
    prec, scale = (t[1], t[2]) if len(t) > 2 and t[1] else (54, 18)
    neg = s.startswith("-")
    ip, _, fp = s.lstrip("+-").partition(".")
    n, vs = int((ip + fp) or "0"), len(fp)
    if vs > scale:
        q = 10 ** (vs - scale)
        n, r = divmod(n, q)
        if r * 10 // q >= 5:
            n += 1
    else:
        n *= 10 ** (scale - vs)
    if neg:
        n = -n
    if prec <= 18:
        return mix(h, n)
    return s32(mix(h, n) + mix(h, n >> 64))


def hash_value(h, t, v):
    k = t[0]
    if k in ("BIGINT", "INT", "SMALLINT", "TINYINT"):
        return mix(h, v)
    if k == "BOOLEAN":
        return 388737479 if v else -978963218
    if k == "FLOAT":
        return mix(h, struct.unpack("<i", struct.pack("<f", v))[0] if v == v else 0x7fc00000)
    if k == "DOUBLE":
        return mix(h, struct.unpack("<q", struct.pack("<d", v))[0] if v == v else 0x7ff8000000000000)
    if k in ("STRING", "CHAR", "VARCHAR"):
        return hbytes(h, v.encode("utf-8"))
    if k == "BINARY":
        qp = b"".join(bytes([c]) if 33 <= c <= 60 or 62 <= c <= 123 or c in (125, 126)
                      else b"=%02X" % c for c in v)
        return hbytes(h, qp)
    if k == "DATE":
        return mix(h, _days(v) * 86400)
    if k == "DATETIME":   # "YYYY-MM-DD hh:mm:ss.mmm" (UTC)
        hh, mm, ss = v[11:].split(":")
        sec, ms = ss.split(".")
        return mix(h, ((_days(v) * 86400 + int(hh) * 3600 + int(mm) * 60 + int(sec)) * 1000 + int(ms)))
    if k in ("TIMESTAMP", "TIMESTAMP_NTZ"):
        hh, mm, ss = v[11:].split(":")
        sec, ns = ss.split(".")
        s = _days(v) * 86400 + int(hh) * 3600 + int(mm) * 60 + int(sec)
        return mix(h, (s << 30) | int(ns))
    if k == "DECIMAL":
        return _decimal(h, t, v)
    raise ValueError("no hash function for %s" % k)


def bucket_of(h, hashes, n):
    s = s32(sum(hashes))
    c = s ^ (s >> 8)
    return c % n


# --- the catalog of PK tables ---
def pk_info(p, t):
    p.db.executescript(PK_SCHEMA)
    r = p.db.execute("SELECT keys, buckets, hasher FROM _odps_pk WHERE tbl = ?", (t.name,)).fetchone()
    return None if r is None else (json.loads(r[0]), r[1], r[2])


def register(p, name, cols, pk, props):
    """After CREATE TABLE: record the key and properties of a PK Delta Table."""
    if not pk:
        return
    byname = dict((c[0].lower(), c) for c in cols)
    p.db.executescript(PK_SCHEMA)
    p.db.execute("INSERT OR REPLACE INTO _odps_pk VALUES (?, ?, ?, ?, ?)",
                 (name, json.dumps([byname[k.lower()][0] for k in pk]), int(props.get("write.bucket.num", "16")),
                  props.get("odps.local.hasher", "default"), json.dumps(props)))
    # the commit finds each key's row through an index, as a PK table does
    # (without it each operation scans the table: benchmarks measured that)
    qi = lambda n: '"' + n.replace('"', '""') + '"'  # noqa: E731
    p.db.execute("CREATE INDEX IF NOT EXISTS %s ON %s (%s)" % (
        qi("_odps_pk_" + name), qi(name), ", ".join(qi(byname[k.lower()][0]) for k in pk)))


def register_check(cols, pk, props):
    """The rules of a PK Delta Table's DDL (spec §7). Raises ValueError."""
    tr = props.get("transactional", "false").lower()
    if tr not in ("true", "false"):
        raise ValueError("'transactional'='%s': true or false" % props["transactional"])
    if pk and tr != "true":
        raise ValueError("PRIMARY KEY needs TBLPROPERTIES ('transactional'='true')")
    if not pk:
        if "write.bucket.num" in props:
            raise ValueError("'write.bucket.num' is for a table with a PRIMARY KEY")
        return
    byname = dict((c[0].lower(), c) for c in cols)
    if len(set(k.lower() for k in pk)) != len(pk):
        raise ValueError("PRIMARY KEY names a column twice")
    for k in pk:
        c = byname.get(k.lower())
        if c is None:
            raise ValueError("PRIMARY KEY column %s is not a column of the table" % k)
        if c[2]:
            raise ValueError("PRIMARY KEY column %s must be NOT NULL" % k)
        if c[1][0] not in HASHABLE:
            raise ValueError("PRIMARY KEY column %s: type %s cannot be a key" % (k, recstream.type_str(c[1])))
    nb = props.get("write.bucket.num", "16")
    if not re.match(r"[1-9][0-9]{0,3}\Z", nb) or int(nb) > 4096:
        raise ValueError("'write.bucket.num'='%s': 1..4096" % nb)
    hasher = props.get("odps.local.hasher", "default")
    if hasher not in ("default", "legacy"):
        raise ValueError("'odps.local.hasher'='%s': default or legacy" % hasher)


def unregister(p, name):
    p.db.executescript(PK_SCHEMA)
    p.db.execute("DELETE FROM _odps_pk WHERE tbl = ?", (name,))


# --- sessions ---
class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.sessions = {}
        self.rejects = []


def store(st):
    s = getattr(st, "upserts", None)
    if s is None:
        with st.loglock:
            s = getattr(st, "upserts", None)
            if s is None:
                s = st.upserts = Store()
    return s


def session_json(s, t, status=None):
    def col(i, c):
        return {"name": c[0], "type": recstream.type_str(c[1]), "comment": c[3], "nullable": c[2],
                "column_id": str(i + 1)}
    return json.dumps({
        "id": s["id"], "status": status or s["status"],
        "schema": {"columns": [col(i, c) for i, c in enumerate(t.cols)],
                   "partitionKeys": [{"name": k, "type": recstream.type_str(kt)} for k, kt in t.parts]},
        "hash_key": s["keys"], "hasher": s["hasher"],
        "slots": [{"slot_id": sl["id"], "buckets": sl["buckets"], "worker_addr": sl["addr"]}
                  for sl in s["slots"]],
        "quota_name": "", "enable_partial_update": False}).encode()


def dispatch(h, method, proj, table, Err, Drop):
    """Called by server.py's route for .../tables/T/upserts; returns (kind, fn)."""
    q = h.params
    if method == "POST" and "upsertid" not in q:
        kind = "ucreate"
    elif method == "GET":
        kind = "uget"
    elif method == "PUT":
        kind = "uput"
    elif method == "POST":
        kind = "ucommit"
    elif method == "DELETE":
        kind = "uabort"
    else:
        raise Err(400, "InvalidArgument", "no upsert request is %s" % method)
    h.only(PARAMS[kind])
    if kind != "ucreate" and not q.get("upsertid"):
        raise Err(400, "InvalidArgument", "no upsertid parameter")
    if h.headers.get("x-odps-tunnel-version") not in ("5", "6"):
        raise Err(400, "InvalidArgument", "x-odps-tunnel-version %s" % h.headers.get("x-odps-tunnel-version"))
    if not q.get("curr_project"):
        raise Err(400, "InvalidArgument", "no curr_project parameter")
    _DropHolder.exc = Drop
    return kind, lambda: Upsert(h, proj, table, Err).run(kind)


class Upsert:
    def __init__(self, h, proj, table, Err):
        self.h, self.proj, self.table, self.Err = h, proj, table, Err
        self.st = h.server.state
        self.store = store(self.st)

    def fail(self, status, code, msg, close=False):
        with self.store.lock:
            self.store.rejects.append({"time": time.time(), "request": "%s %s" % (self.h.command, self.h.path),
                                       "status": status, "code": code, "reason": msg})
        raise self.Err(status, code, msg, close)

    def rule(self, *actions):
        r = self.h.rule
        return r is not None and r.action in actions

    def run(self, kind):
        p, t = self.h.table_of(self.proj, self.table)
        getattr(self, kind)(p, t)

    def routed(self, want, what):
        got = self.h.headers.get("odps-tunnel-routed-server")
        if want is None and got is not None:
            self.fail(400, "InvalidArgument", "%s takes no odps-tunnel-routed-server header" % what)
        return got

    def session(self, p, t):
        sid = self.h.params["upsertid"]
        with self.store.lock:
            s = self.store.sessions.get(sid)
        if s is None or s.get("forgotten") or s["table"].lower() != t.name.lower():
            self.fail(404, "UpsertSessionNotFound", "upsert session %s does not exist" % sid)
        spec = self.h.spec(p, t)
        if spec != s["spec"]:
            self.fail(400, "InvalidArgument", "upsert session %s is for partition '%s', not '%s'" % (
                sid, s["spec"], spec))
        now = time.time()
        if s["status"] == "normal" and (now > s["expires"] or self.rule("expire")):
            s["status"] = "expired"
        s["seen"] = now
        return s

    def ucreate(self, p, t):
        q = self.h.params
        self.routed(None, "session creation")
        info = pk_info(p, t)
        if info is None:
            self.fail(400, "InvalidArgument", "table %s is not a PK Delta Table (transactional with a "
                      "PRIMARY KEY): no upsert sessions" % t.name)
        sn = q.get("slotnum")
        if sn is None or not re.match(r"[1-9][0-9]{0,3}\Z", sn):
            self.fail(400, "InvalidArgument", "slotnum=%s: an integer >= 1 is required" % sn)
        life = q.get("lifecycle")
        if life is not None and (not re.match(r"[0-9]{1,2}\Z", life) or not 1 <= int(life) <= 24):
            self.fail(400, "InvalidArgument", "lifecycle=%s: 1..24 hours" % life)
        spec = self.h.spec(p, t)
        self.h.empty_body("session creation")
        if spec and not p.has_partition(t, spec):
            self.fail(404, "NoSuchPartition", "partition %s of table %s does not exist (upsert sessions "
                      "do not create partitions)" % (spec, t.name))
        keys, nb, hasher = info
        ns = min(int(sn), nb)
        addr = "127.0.0.1:%d" % self.st.port
        slots = [{"id": str(i + 1), "buckets": [b for b in range(nb) if b % ns == i], "addr": addr}
                 for i in range(ns)]
        now = time.time()
        sid = time.strftime("%Y%m%d%H%M%S", time.gmtime(now)) + "%018x" % __import__("random").getrandbits(72)
        s = {"id": sid, "table": t.name, "spec": spec, "status": "normal", "keys": keys, "hasher": hasher,
             "nbuckets": nb, "slots": slots, "ops": {}, "puts": 0, "created": now, "seen": now,
             "expires": now + (int(life) * 3600 if life else self.st.o["session_ttl"]), "committing": 0}
        with self.store.lock:
            self.store.sessions[sid] = s
        self.h.send(200, session_json(s, t), "application/json")

    def uget(self, p, t):
        self.routed(None, "a session reload")
        self.h.empty_body("a session reload")
        s = self.session(p, t)
        if self.rule("forget") and s["status"] == "committed":
            s["forgotten"] = True
            self.fail(404, "UpsertSessionNotFound", "upsert session %s does not exist" % s["id"])
        self.h.send(200, session_json(s, t), "application/json")

    def slot_of(self, s, b):
        for sl in s["slots"]:
            if b in sl["buckets"]:
                return sl
        return None

    def uput(self, p, t):
        h, q = self.h, self.h.params
        s = self.session(p, t)
        if s["status"] != "normal":
            self.fail(409, "StatusConflict", "upsert session %s is %s: no PUT" % (s["id"], s["status"]),
                      close=True)
        b, sid_, rc = q.get("bucketid", ""), q.get("slotid"), q.get("record_count", "")
        if not re.match(r"(0|[1-9][0-9]{0,3})\Z", b) or int(b) >= s["nbuckets"]:
            self.fail(400, "InvalidArgument", "bucketid=%s: not 0..%d" % (b, s["nbuckets"] - 1), close=True)
        b = int(b)
        sl = self.slot_of(s, b)
        if sid_ != sl["id"]:
            self.fail(400, "InvalidArgument", "slotid=%s: bucket %d belongs to slot %s" % (sid_, b, sl["id"]),
                      close=True)
        if not re.match(r"(0|[1-9][0-9]{0,9})\Z", rc):
            self.fail(400, "InvalidArgument", "record_count=%s: a decimal count is required" % rc, close=True)
        if self.rule("308", "308bare"):
            extra = [] if self.rule("308bare") else [("odps-tunnel-routed-server", sl["addr"])]
            h.read_plain_body(self.st.o["max_block_bytes"])
            return h.send(308, b"", None, extra)
        if h.headers.get("odps-tunnel-routed-server") != sl["addr"]:
            h.read_plain_body(self.st.o["max_block_bytes"])
            return h.send(308, b"", None, [("odps-tunnel-routed-server", sl["addr"])])
        if "Transfer-Encoding" in h.headers:
            self.fail(400, "InvalidArgument", "an upsert PUT is sent with Content-Length, not chunked "
                      "(not SDK-like)", close=True)
        if "Content-Type" in h.headers:
            self.fail(400, "InvalidArgument", "an upsert PUT has no Content-Type (not SDK-like)", close=True)
        if h.headers.get("Content-Length") is None:
            self.fail(411, "InvalidArgument", "an upsert PUT needs Content-Length", close=True)
        enc = h.headers.get("Content-Encoding")
        if enc not in (None, "deflate"):
            self.fail(400, "InvalidArgument", "Content-Encoding %s: this server takes deflate" % enc, close=True)
        limit = self.st.o["max_block_bytes"]
        raw = h.read_plain_body(limit)
        body = h.inflate(raw, enc, limit)
        cols = [(c[0], c[1], c[2]) for c in t.cols] + META
        try:
            rows = recstream.decode(body, cols)
        except recstream.StreamError as e:
            self.fail(400, e.code, "bucket %d: %s" % (b, e.msg))
        if len(rows) != int(rc):
            self.fail(400, "InvalidArgument", "record_count=%s, the body holds %d records" % (rc, len(rows)))
        nd = len(t.cols)
        names = [c[0].lower() for c in t.cols]
        kidx = [names.index(k.lower()) for k in s["keys"]]
        ops = []
        for i, r in enumerate(rows):
            ver, app, op, kc, vc = r[nd:]
            if op not in (OP_U, OP_D):
                self.fail(400, "InvalidArgument", "record %d: __operation %r (only 85 'U' or 68 'D')" % (i + 1, op))
            if ver is not None or app is not None or kc is not None:
                self.fail(400, "InvalidArgument", "record %d: __version, __app_version and __key_cols must "
                          "be NULL" % (i + 1))
            if vc is None or json.loads(vc) != []:
                self.fail(400, "InvalidArgument", "record %d: __value_cols must be [] (no partial updates "
                          "on this table)" % (i + 1))
            hs = []
            for k in kidx:
                if r[k] is None:
                    self.fail(400, "InvalidArgument", "record %d: key column %s is NULL" % (i + 1, t.cols[k][0]))
                hs.append(hash_value(s["hasher"], t.cols[k][1], r[k]))
            rb = bucket_of(s["hasher"], hs, s["nbuckets"])
            if rb != b:
                self.fail(400, "InvalidArgument", "record %d: key (%s) belongs to bucket %d (%s hasher), "
                          "sent in bucket %d" % (i + 1, ",".join(str(r[k]) for k in kidx), rb,
                                                 s["hasher"], b))
            ops.append((op, tuple(r[:nd])))
        with self.store.lock:
            if s["status"] != "normal":
                self.fail(409, "StatusConflict", "upsert session %s is %s: no PUT" % (s["id"], s["status"]))
            s["ops"].setdefault(b, []).extend(ops)
            s["puts"] += 1
        if self.rule("lost"):
            raise _drop()
        h.send(200, b"")

    def ucommit(self, p, t):
        h = self.h
        s = self.session(p, t)
        want = self.slot_of(s, 0)["addr"]
        if h.headers.get("odps-tunnel-routed-server") != want:
            self.fail(400, "InvalidArgument", "a commit is routed to the slot of bucket 0 (%s)" % want)
        h.empty_body("a commit")
        if s["status"] == "committed" and self.rule("forget"):
            s["forgotten"] = True
            self.fail(404, "UpsertSessionNotFound", "upsert session %s does not exist" % s["id"])
        if s["status"] == "normal":
            r = self.h.rule
            if r is not None and r.action == "committing":
                s["committing"] = r.count
            self.apply(p, t, s)
        elif s["status"] == "committing":   # a repeated POST: one poll less
            if s["committing"] > 0:
                s["committing"] -= 1
            if s["committing"] <= 0:
                s["status"] = "committed"
        if self.rule("lost"):
            raise _drop()
        h.send(200, session_json(s, t), "application/json")

    def apply(self, p, t, s):
        """Apply every staged operation (per bucket, in arrival order) in one transaction."""
        names = [c[0] for c in t.cols]
        keys = s["keys"]
        kidx = [[n.lower() for n in names].index(k.lower()) for k in keys]
        pvals = []
        w = ""
        if s["spec"]:
            w, pvals = p.part_where(t, s["spec"])
        qi = lambda n: '"' + n.replace('"', '""') + '"'  # noqa: E731
        where = " AND ".join(["%s = ?" % qi(names[k]) for k in kidx] + ([w] if w else []))
        allc = [qi(n) for n in names] + [qi(pp[0]) for pp in t.parts]
        ins = "INSERT INTO %s (%s) VALUES (%s)" % (qi(t.name), ", ".join(allc), ", ".join("?" * len(allc)))
        with p.lock:
            committed.materialise(p, [t.name])   # batch-committed rows first
            p.db.execute("BEGIN IMMEDIATE")
            try:
                for b in sorted(s["ops"]):
                    for op, row in s["ops"][b]:
                        kv = [row[k] for k in kidx] + list(pvals)
                        p.db.execute("DELETE FROM %s WHERE %s" % (qi(t.name), where), kv)
                        if op == OP_U:
                            p.db.execute(ins, list(row) + list(pvals))
                p.db.execute("COMMIT")
                # the commit's log (a test checks that no key goes back in time):
                # each key touched, its row after the commit (null: deleted), in order
                done = []
                for b in sorted(s["ops"]):
                    for op, row in s["ops"][b]:
                        done.append([[row[k] for k in kidx], list(row) if op == OP_U else None])
                with open(os.path.join(self.st.data, "upserts.log"), "a") as f:
                    f.write(json.dumps({"table": t.name.lower(), "spec": s["spec"], "session": s["id"],
                                        "ops": done}, default=str) + "\n")
            except BaseException as e:
                p.db.execute("ROLLBACK")
                s["status"] = "critical"
                self.fail(500, "InternalServerError", "commit of %s failed: %s" % (s["id"], e))
        s["applied"] = sum(len(v) for v in s["ops"].values())
        s["ops"] = {}
        s["status"] = "committing" if s["committing"] > 0 else "committed"

    def uabort(self, p, t):
        s = self.session(p, t)
        want = self.slot_of(s, 0)["addr"]
        if self.h.headers.get("odps-tunnel-routed-server") != want:
            self.fail(400, "InvalidArgument", "an abort is routed to the slot of bucket 0 (%s)" % want)
        self.h.empty_body("an abort")
        if s["status"] not in ("normal", "aborted"):
            self.fail(409, "StatusConflict", "upsert session %s is %s: no abort" % (s["id"], s["status"]))
        s["status"] = "aborted"
        s["ops"] = {}
        self.h.send(200, b"")


class _DropHolder:
    exc = None


def _drop():
    return _DropHolder.exc()


def debug_state(st):
    s = store(st)
    with s.lock:
        return json.dumps({"sessions": [{"id": x["id"], "table": x["table"], "spec": x["spec"],
                                         "status": x["status"], "puts": x["puts"],
                                         "applied": x.get("applied", 0),
                                         "staged": {str(b): [[chr(op), list(r)] for op, r in v]
                                                    for b, v in x["ops"].items()}}
                                        for x in s.sessions.values()],
                           "rejects": s.rejects}, default=str).encode()
