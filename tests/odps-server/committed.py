"""Committed Tunnel blocks, and their rows materialised into the sqlite tables lazily.

A PUT stores a block in a file of DIR/<project>.blocks/, named in _odps_blocks:
with the C decoder (blockdec.c), the body as received (still compressed) after
a header (RAW_MAGIC, then one JSON line: its Content-Encoding, the decoder's
library and schema text, the limits), once the decoder has checked every CRC
and every record against the table's schema (bd_check; the rows are decoded
again from the file at the table's first read); with the Python reference
decoder (recstream.py), marshal.dumps of its rows. A commit copies no row: in one sqlite transaction it
moves the session's block list to _odps_pending (table, partition, file, in
commit order: the table's manifest), deletes what an overwrite session
replaces (the partition's rows and pending blocks), and closes the session.
The rows go into the sqlite table when something first reads the table
(materialise): an SQL instance naming it (sqlodps.run), an upsert commit
(upserts.py), and the tests' own reads of the database (tests/lib.sh's
sqlite3 runs `python3 committed.py DB` first). A materialisation is one
sqlite transaction (BEGIN IMMEDIATE, the list read again inside it): the
rows of every pending block of the table in commit order, the pending rows
deleted; the files are removed after. Two processes materialising at once
(the server and a test's read) cannot both copy a block.

  python3 committed.py DB...    materialise every pending block of each
                                server database (DIR/<project>.db)
"""
import json
import marshal
import os
import sqlite3
import sys
import threading
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS _odps_pending(seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tbl TEXT COLLATE NOCASE, spec TEXT, sid TEXT, blockid INTEGER, records INTEGER, file TEXT,
  cols TEXT);
"""
# statements that read no row of the tables they name (sqlodps.py): no materialisation
NO_ROWS = ("CREATE", "DESC", "DESCRIBE", "SHOW")


def blocks_dir(dbpath):
    return dbpath[:-3] + ".blocks" if dbpath.endswith(".db") else dbpath + ".blocks"


RAW_MAGIC = b"MCSYNC-TUNNEL-BLOCK 1\n"


def pack_raw(raw, enc, lib, schema, max_field, limit):
    """The file of a block PUT with the C decoder: its body as received."""
    h = json.dumps({"enc": enc, "lib": lib, "schema": schema.decode(), "max_field": max_field,
                    "limit": limit}).encode()
    return [RAW_MAGIC, h, b"\n", raw]


def _rows_of(blob):
    """A block file's rows (a list of lists)."""
    if not blob.startswith(RAW_MAGIC):
        return marshal.loads(blob)
    import blockdec
    nl = blob.index(b"\n", len(RAW_MAGIC))
    h = json.loads(blob[len(RAW_MAGIC):nl])
    raw = memoryview(blob)[nl + 1:]
    bd = blockdec.decoder(h["lib"])
    body = bd.inflate(raw.tobytes(), h["enc"], h["limit"]) if h["enc"] else raw.tobytes()
    return marshal.loads(bd.decode_schema(body, h["schema"].encode(), h["max_field"])[1])


def _unlink(d, files):
    for f in files:
        try:
            os.unlink(os.path.join(d, f))
        except FileNotFoundError:
            pass


def _write(d, name, blob):
    """blob: bytes, or a list of them written one after the other"""
    tmp = os.path.join(d, name + ".tmp")
    with open(tmp, "wb") as f:
        if isinstance(blob, list):
            f.writelines(blob)
        else:
            f.write(blob)
    os.rename(tmp, os.path.join(d, name))


class Store:
    """The block files of one project (catalog.Project.blocks)."""

    def __init__(self, db, dbpath):
        self.dir = blocks_dir(dbpath)
        os.makedirs(self.dir, exist_ok=True)
        self.n = 0
        self.nlock = threading.Lock()
        db.executescript(SCHEMA)

    def name(self, sid, blockid):
        with self.nlock:
            self.n += 1
            return "%s.%d.%d.%d" % (sid, blockid, os.getpid(), self.n)

    def put(self, p, sid, blockid, count, blob):
        """Store a block (its file's bytes: pack_raw's, or rows in marshal form) as block `blockid` of session sid,
        replacing an earlier PUT of the same id (its version one higher)."""
        f = self.name(sid, blockid)
        _write(self.dir, f, blob)
        old = []
        try:
            with p.lock:
                old = p.db.execute("SELECT file FROM _odps_blocks WHERE sid = ? AND blockid = ?",
                                   (sid, blockid)).fetchall()
                p.db.execute("INSERT OR REPLACE INTO _odps_blocks VALUES (?, ?, ?, ?, ?, COALESCE((SELECT version "
                             "FROM _odps_blocks WHERE sid = ? AND blockid = ?), 0) + 1)",
                             (sid, blockid, count, f, time.time(), sid, blockid))
        except BaseException:
            _unlink(self.dir, [f])
            raise
        _unlink(self.dir, [r[0] for r in old])

    def commit(self, p, sid, t, spec, overwrite, pvals):
        """The commit's metadata, in one transaction: the session's blocks become
        the table's (pending), an overwrite drops the partition's rows first."""
        from catalog import qi
        gone = []
        with p.lock:
            p.db.execute("BEGIN IMMEDIATE")
            try:
                if spec:
                    p.add_partition(t, spec)
                if overwrite:
                    if spec:
                        w, wv = p.part_where(t, spec)
                        p.db.execute("DELETE FROM %s WHERE %s" % (qi(t.name), w), wv)
                    else:
                        p.db.execute("DELETE FROM %s" % qi(t.name))
                    gone = [r[0] for r in p.db.execute("SELECT file FROM _odps_pending WHERE tbl = ? AND spec = ?",
                                                       (t.name, spec))]
                    p.db.execute("DELETE FROM _odps_pending WHERE tbl = ? AND spec = ?", (t.name, spec))
                # the columns the rows were decoded for, and the partition values
                cols = json.dumps([[c[0] for c in t.cols], [pp[0] for pp in t.parts], pvals,
                                   [[k, c[1][2]] for k, c in enumerate(t.cols) if c[1][0] == "DECIMAL"]])
                p.db.execute("INSERT INTO _odps_pending (tbl, spec, sid, blockid, records, file, cols) "
                             "SELECT ?, ?, sid, blockid, records, file, ? FROM _odps_blocks WHERE sid = ? "
                             "ORDER BY blockid", (t.name, spec, cols, sid))
                p.db.execute("DELETE FROM _odps_blocks WHERE sid = ?", (sid,))
                p.db.execute("UPDATE _odps_sessions SET status = 'closed' WHERE id = ?", (sid,))
                p.db.execute("COMMIT")
            except BaseException:
                p.db.execute("ROLLBACK")
                raise
        _unlink(self.dir, gone)

    def forget(self, p, table):
        """DROP TABLE: its pending blocks go with it (inside the caller's transaction);
        returns their files, to remove after the commit."""
        gone = [r[0] for r in p.db.execute("SELECT file FROM _odps_pending WHERE tbl = ?", (table,))]
        p.db.execute("DELETE FROM _odps_pending WHERE tbl = ?", (table,))
        return gone

    def unlink(self, files):
        _unlink(self.dir, files)


def materialise(p, tables=None, dirpath=None):
    """Copy the rows of the pending blocks of `tables` (names; None: all) into
    their sqlite tables, in commit order, in one transaction. Returns the rows."""
    d = dirpath or p.blocks.dir
    c0 = time.thread_time()
    with p.lock:
        q = "SELECT seq, tbl, file, cols FROM _odps_pending"
        args = ()
        if tables is not None:
            tables = sorted({x.lower() for x in tables})
            if not tables:
                return 0
            q += " WHERE lower(tbl) IN (%s)" % ", ".join("?" * len(tables))
            args = tuple(tables)
        q += " ORDER BY seq"
        if not p.db.execute(q + " LIMIT 1", args).fetchall():
            return 0
        p.db.execute("BEGIN IMMEDIATE")
        try:
            got = p.db.execute(q, args).fetchall()    # again, under the write lock
            n = 0
            stmts = {}
            for seq, tbl, f, cols in got:
                ins = stmts.get((tbl, cols))
                names, parts, pvals, decs = json.loads(cols)
                if ins is None:
                    ins = "INSERT INTO %s (%s) VALUES (%s)" % (
                        _qi(tbl), ", ".join(_qi(c) for c in names + parts[:len(pvals)]),
                        ", ".join(["?"] * len(names) + ["'%s'" % v.replace("'", "''") for v in pvals]))
                    stmts[(tbl, cols)] = ins
                try:
                    with open(os.path.join(d, f), "rb") as fh:
                        rows = _rows_of(fh.read())
                except Exception as e:
                    raise RuntimeError("block file %s of table %s (pending block %d) cannot be read: %s"
                                       % (os.path.join(d, f), tbl, seq, e))
                if decs:
                    rows = _held(rows, decs)
                p.db.executemany(ins, rows)
                n += len(rows)
            p.db.execute("DELETE FROM _odps_pending WHERE seq IN (%s)" % ", ".join(str(r[0]) for r in got))
            p.db.execute("COMMIT")
        except BaseException:
            p.db.execute("ROLLBACK")
            raise
        _unlink(d, [r[2] for r in got])
        p.mat_cpu = getattr(p, "mat_cpu", 0.0) + time.thread_time() - c0   # GET /_mcsync/stats
    return n


def _qi(name):
    return '"' + name.replace('"', '""') + '"'


def _held(rows, decs):
    """DECIMAL(p,s) values of s digits (catalog.pad_decimal)."""
    from catalog import pad_decimal
    out = []
    for r in rows:
        r = list(r)
        for k, sc in decs:
            if k < len(r):
                r[k] = pad_decimal(r[k], sc)
        out.append(r)
    return out


def before_statement(p, toks):
    """Before an SQL statement (sqlodps.run, under p.lock): materialise the
    tables it names that have pending blocks, unless it reads no rows (DDL
    that makes or describes a table, ALTER TABLE ... ADD PARTITION; DROP TABLE
    forgets them)."""
    words = [t[1].upper() for t in toks[:12] if t[0] == "word"]
    if not words or words[0] in NO_ROWS or words[:2] == ["DROP", "TABLE"]:
        return
    if words[0] == "ALTER" and "ADD" in words and \
            [w for w in words[words.index("ADD") + 1:] if w not in ("IF", "NOT", "EXISTS")][:1] == ["PARTITION"]:
        return
    pend = {r[0].lower() for r in p.db.execute("SELECT DISTINCT tbl FROM _odps_pending")}
    if pend:
        materialise(p, {t[1].lower() for t in toks if t[0] in ("word", "id")} & pend)


class _Db:
    def __init__(self, path):
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.lock = threading.RLock()


def main(argv):
    for path in argv:
        p = _Db(path)
        if p.db.execute("SELECT 1 FROM sqlite_master WHERE name = '_odps_pending'").fetchone():
            materialise(p, None, blocks_dir(path))
        p.db.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv[1:]))
