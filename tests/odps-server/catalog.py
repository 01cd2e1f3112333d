"""The local server's storage: one sqlite database per project, DIR/<project>.db.

Each MaxCompute table is a sqlite table of the same name holding its data
columns then its partition columns (TEXT). Beside them, the catalog:
  _odps_tables(name, lifecycle, comment)       _odps_columns(tbl, pos, name, type, nullable, is_part)
  _odps_partitions(tbl, spec)                  spec normalised 'k1=v1,k2=v2'
  _odps_sessions(id, tbl, spec, overwrite, status, created, expires)
  _odps_blocks(sid, blockid, records, file, created, version)   file: the decoded rows
  _odps_pending(seq, tbl, spec, sid, blockid, records, file, cols)  committed, not yet in the table
  _odps_instances(id, status, task_status, result, query, start, end)
A block's decoded rows are a file of DIR/<project>.blocks/ (committed.py). A
commit moves the session's blocks to _odps_pending in one sqlite transaction;
their rows are copied into the table when the table is first read
(committed.materialise, one transaction): readers see all of them or none.
"""
import marshal
import re
import sqlite3
import threading
import time

import committed
import recstream

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,127}\Z")
PART_VALUE_RE = re.compile(r"[A-Za-z0-9_.:\- ]{1,256}\Z")

SCHEMA = """
CREATE TABLE IF NOT EXISTS _odps_tables(name TEXT PRIMARY KEY COLLATE NOCASE, lifecycle INTEGER,
  comment TEXT, created REAL);
CREATE TABLE IF NOT EXISTS _odps_columns(tbl TEXT COLLATE NOCASE, pos INTEGER, name TEXT,
  type TEXT, nullable INTEGER, is_part INTEGER, comment TEXT);
CREATE TABLE IF NOT EXISTS _odps_partitions(tbl TEXT COLLATE NOCASE, spec TEXT,
  PRIMARY KEY(tbl, spec));
CREATE TABLE IF NOT EXISTS _odps_sessions(id TEXT PRIMARY KEY, tbl TEXT, spec TEXT,
  overwrite INTEGER, status TEXT, created REAL, expires REAL);
CREATE TABLE IF NOT EXISTS _odps_blocks(sid TEXT, blockid INTEGER, records INTEGER, file TEXT,
  created REAL, version INTEGER, PRIMARY KEY(sid, blockid));
CREATE TABLE IF NOT EXISTS _odps_instances(id TEXT PRIMARY KEY, status TEXT, task_status TEXT,
  result TEXT, query TEXT, start REAL, end REAL);
"""


def sqlite_type(t):
    k = t[0]
    if k in ("BIGINT", "INT", "SMALLINT", "TINYINT", "BOOLEAN"):
        return "INTEGER"
    if k in ("DOUBLE", "FLOAT"):
        return "REAL"
    if k == "BINARY":
        return "BLOB"
    return "TEXT"


def pad_decimal(v, scale):
    """A DECIMAL(p,s) value as MaxCompute holds it: s digits after the point
    ('1.5' in DECIMAL(8,3) is 1.500)."""
    if not isinstance(v, str) or not scale:
        return v
    i, dot, f = v.partition(".")
    if len(f) >= scale:
        return v
    return i + "." + f + "0" * (scale - len(f))


def qi(name):
    return '"' + name.replace('"', '""') + '"'


class CatalogError(Exception):
    """code: a §6.2 code; status: HTTP status; msg."""

    def __init__(self, status, code, msg):
        Exception.__init__(self, msg)
        self.status, self.code, self.msg = status, code, msg


class Table:
    def __init__(self, name, cols, parts, lifecycle):
        self.name = name
        self.cols = cols      # [(name, type tuple, nullable, comment)]
        self.parts = parts    # [(name, type tuple)]
        self.lifecycle = lifecycle


def _shiftright(a, n):
    if a is None or n is None:
        return None
    if not isinstance(a, int) or not isinstance(n, int):
        raise ValueError("shiftright: an integer argument is not of an integer type")
    return a >> n


class Project:
    def __init__(self, path, name):
        self.name = name
        # (a test's read may hold the write lock while it copies committed rows: committed.py)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        # MaxCompute 2.0's shiftright(bigint, int): arithmetic, NULL in NULL out;
        # `a & b` (a bitwise operator of MaxCompute's) is sqlite's own
        self.db.create_function("shiftright", 2, _shiftright, deterministic=True)
        self.lock = threading.RLock()
        self.blocks = committed.Store(self.db, path)

    # --- tables ---
    def table(self, name):
        r = self.db.execute("SELECT name, lifecycle FROM _odps_tables WHERE name = ?", (name,)).fetchone()
        if r is None:
            return None
        cols, parts = [], []
        for cname, ctype, nullable, is_part, comment in self.db.execute(
                "SELECT name, type, nullable, is_part, comment FROM _odps_columns WHERE tbl = ? "
                "ORDER BY pos", (name,)):
            t = recstream.parse_type(ctype)
            if is_part:
                parts.append((cname, t))
            else:
                cols.append((cname, t, bool(nullable), comment or ""))
        return Table(r[0], cols, parts, r[1])

    def create_table(self, name, cols, parts, lifecycle, comment, if_not_exists):
        if not NAME_RE.match(name) or name.lower().startswith("_odps_"):
            raise CatalogError(400, "InvalidArgument", "bad table name %r" % name)
        seen = set()
        for c in [c[0] for c in cols] + [p[0] for p in parts]:
            if not NAME_RE.match(c) or c.lower() in seen:
                raise CatalogError(400, "InvalidArgument", "bad or repeated column name %r" % c)
            seen.add(c.lower())
        if not cols:
            raise CatalogError(400, "InvalidArgument", "table %s has no data column" % name)
        with self.lock:
            if self.table(name) is not None:
                if if_not_exists:
                    return False
                raise CatalogError(409, "TableAlreadyExists", "table %s already exists" % name)
            defs = [qi(c[0]) + " " + sqlite_type(c[1]) + ("" if c[2] else " NOT NULL") for c in cols] + [qi(p[0]) + " TEXT" for p in parts]
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute("CREATE TABLE %s (%s)" % (qi(name), ", ".join(defs)))
                self.db.execute("INSERT INTO _odps_tables VALUES (?, ?, ?, ?)",
                                (name, lifecycle, comment, time.time()))
                pos = 0
                for c in cols:
                    self.db.execute("INSERT INTO _odps_columns VALUES (?, ?, ?, ?, ?, 0, ?)",
                                    (name, pos, c[0], recstream.type_str(c[1]), int(c[2]), c[3]))
                    pos += 1
                for p in parts:
                    self.db.execute("INSERT INTO _odps_columns VALUES (?, ?, ?, ?, 1, 1, '')",
                                    (name, pos, p[0], recstream.type_str(p[1])))
                    pos += 1
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return True

    def drop_table(self, name, if_exists):
        with self.lock:
            t = self.table(name)
            if t is None:
                if if_exists:
                    return
                raise CatalogError(404, "NoSuchTable", "table %s does not exist" % name)
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DROP TABLE %s" % qi(t.name))
            for cat in ("_odps_tables WHERE name", "_odps_columns WHERE tbl", "_odps_partitions WHERE tbl"):
                self.db.execute("DELETE FROM %s = ?" % cat, (t.name,))
            gone = self.blocks.forget(self, t.name)
            self.db.execute("COMMIT")
            self.blocks.unlink(gone)

    # --- column operations (MaxCompute's "Column operations": schema evolution) ---
    INT_RANK = {"TINYINT": 1, "SMALLINT": 2, "INT": 3, "BIGINT": 4}

    @classmethod
    def type_change_ok(cls, a, b):
        """The in-place changes of a column's type this server makes: a wider
        integer, FLOAT to DOUBLE, a DECIMAL with no fewer integer nor fraction
        digits. Every other is refused, as MaxCompute refuses what it does not
        convert ("changing column data type from X to Y is not supported")."""
        if a == b:
            return True
        if a[0] in cls.INT_RANK and b[0] in cls.INT_RANK:
            return cls.INT_RANK[a[0]] < cls.INT_RANK[b[0]]
        if a[0] == "FLOAT" and b[0] == "DOUBLE":
            return True
        if a[0] == "DECIMAL" and b[0] == "DECIMAL":
            return b[2] >= a[2] and b[1] - b[2] >= a[1] - a[2]
        return False

    def add_columns(self, t, cols, if_not_exists):
        """ALTER TABLE t ADD COLUMNS: appended after the data columns; the rows
        there get NULL."""
        have = {c[0].lower() for c in t.cols} | {p[0].lower() for p in t.parts}
        new = []
        for c in cols:
            if not NAME_RE.match(c[0]):
                raise CatalogError(400, "InvalidArgument", "bad column name %r" % c[0])
            if c[0].lower() in have:
                if if_not_exists:
                    continue
                raise CatalogError(400, "InvalidArgument", "column %s already exists in table %s"
                                   % (c[0], t.name))
            have.add(c[0].lower())
            new.append(c)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            pos = len(t.cols)
            self.db.execute("UPDATE _odps_columns SET pos = pos + ? WHERE tbl = ? AND is_part = 1",
                            (len(new), t.name))
            for c in new:
                self.db.execute("ALTER TABLE %s ADD COLUMN %s %s" % (qi(t.name), qi(c[0]), sqlite_type(c[1])))
                self.db.execute("INSERT INTO _odps_columns VALUES (?, ?, ?, ?, 1, 0, ?)",
                                (t.name, pos, c[0], recstream.type_str(c[1]), c[3]))
                pos += 1
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def rename_column(self, t, old, new):
        cur = [c[0] for c in t.cols if c[0].lower() == old.lower()]
        if not cur:
            raise CatalogError(400, "InvalidArgument", "table %s has no column %s" % (t.name, old))
        if not NAME_RE.match(new) or any(c[0].lower() == new.lower() for c in t.cols) or \
                any(p[0].lower() == new.lower() for p in t.parts):
            raise CatalogError(400, "InvalidArgument", "column %s: bad or existing name %r" % (old, new))
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("ALTER TABLE %s RENAME COLUMN %s TO %s" % (qi(t.name), qi(cur[0]), qi(new)))
            self.db.execute("UPDATE _odps_columns SET name = ? WHERE tbl = ? AND name = ? AND is_part = 0",
                            (new, t.name, cur[0]))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def change_type(self, t, name, typ):
        cur = [c for c in t.cols if c[0].lower() == name.lower()]
        if not cur:
            raise CatalogError(400, "InvalidArgument", "table %s has no column %s" % (t.name, name))
        if not self.type_change_ok(cur[0][1], typ):
            raise CatalogError(400, "InvalidArgument", "changing column data type from %s to %s "
                               "is not supported" % (recstream.type_str(cur[0][1]).lower(),
                                                     recstream.type_str(typ).lower()))
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("UPDATE _odps_columns SET type = ? WHERE tbl = ? AND name = ? AND is_part = 0",
                            (recstream.type_str(typ), t.name, cur[0][0]))
            if typ[0] == "DECIMAL":   # the values are of the new scale now
                rows = self.db.execute("SELECT rowid, %s FROM %s WHERE %s IS NOT NULL" % (
                    qi(cur[0][0]), qi(t.name), qi(cur[0][0]))).fetchall()
                self.db.executemany("UPDATE %s SET %s = ? WHERE rowid = ?" % (qi(t.name), qi(cur[0][0])),
                                    [(pad_decimal(v, typ[2]), rid) for rid, v in rows])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # --- partitions ---
    @staticmethod
    def spec_from_pairs(t, pairs, what):
        """pairs: [(key, value)] in any case; returns the normalised spec."""
        if not t.parts:
            raise CatalogError(400, "InvalidArgument", "table %s is not partitioned, %s names a partition"
                               % (t.name, what))
        keys = [p[0].lower() for p in t.parts]
        if [k.lower() for k, _v in pairs] != keys:
            raise CatalogError(400, "InvalidArgument", "%s %s: table %s has partition keys (%s), "
                               "every one in that order" % (what, ",".join("%s=%s" % kv for kv in pairs),
                                                             t.name, ",".join(p[0] for p in t.parts)))
        for k, v in pairs:
            if not PART_VALUE_RE.match(v):
                raise CatalogError(400, "InvalidArgument", "%s: bad partition value %r for %s" % (what, v, k))
        return ",".join("%s=%s" % (p[0], v) for p, (_k, v) in zip(t.parts, pairs))

    def has_partition(self, t, spec):
        return self.db.execute("SELECT 1 FROM _odps_partitions WHERE tbl = ? AND spec = ?",
                               (t.name, spec)).fetchone() is not None

    def add_partition(self, t, spec):
        self.db.execute("INSERT OR IGNORE INTO _odps_partitions VALUES (?, ?)", (t.name, spec))

    def part_where(self, t, spec):
        vals = [kv.split("=", 1)[1] for kv in spec.split(",")]
        return " AND ".join("%s = ?" % qi(p[0]) for p in t.parts), vals

    # --- sessions ---
    def commit_session(self, sid, t, spec, overwrite):
        """Publish every block of the session in one transaction (committed.py:
        the rows reach the table when it is first read); status closed."""
        pvals = self.part_where(t, spec)[1] if spec else []
        self.blocks.commit(self, sid, t, spec, overwrite, pvals)

    def put_block(self, sid, blockid, rows):
        self.put_block_marshal(sid, blockid, len(rows), marshal.dumps(rows))

    def put_block_marshal(self, sid, blockid, count, blob):
        """blob: the block file (committed.py: its rows in marshal form, or pack_raw's body as received)"""
        self.blocks.put(self, sid, blockid, count, blob)
