"""The MaxCompute SQL the local server runs, translated onto sqlite.

Statements (one per SQL task, after any `SET k=v;` lines):
  CREATE TABLE [IF NOT EXISTS] t (c TYPE [NOT NULL] [COMMENT '..'], ... [, PRIMARY KEY (c, ...)])
      [COMMENT '..'] [PARTITIONED BY (k TYPE, ...)] [TBLPROPERTIES ('k'='v', ...)] [LIFECYCLE n]
      (a PRIMARY KEY with 'transactional'='true' makes a PK Delta Table: upserts.py)
  DROP TABLE [IF EXISTS] t
  ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (k='v', ...) [PARTITION (...)]...
  ALTER TABLE t DROP [IF EXISTS] PARTITION (k='v', ...) [, PARTITION (...)]...
  ALTER TABLE t ADD COLUMNS [IF NOT EXISTS] (c TYPE [COMMENT '..'], ...)   (after the data
      columns; the rows there read NULL)
  ALTER TABLE t CHANGE [COLUMN] old RENAME TO new
  ALTER TABLE t CHANGE [COLUMN] c c TYPE   (the in-place widenings of catalog.type_change_ok;
      any other change of type refused, as MaxCompute refuses it)
  INSERT OVERWRITE|INTO TABLE t [PARTITION (k='v', ... | k, ...)] [(col, ...)] SELECT ...
  SELECT ... / WITH ... (the result is CSV text: a header line, NULL as \\N)
  DESC t / DESCRIBE t (the text table of odpscmd's DESC: owner, comment, times,
      "Native Columns:" rows "| name | type | label | comment |", "Partition Columns:")
  SHOW PARTITIONS t (one "k=v[/k2=v2]" line per partition, in order)
Inside a query: MaxCompute string literals ('..' or ".." with backslash escapes)
become sqlite literals, `names` stay quoted identifiers, CAST type names map to
sqlite's (STRING -> TEXT, BIGINT -> INTEGER, ...), IF() -> IIF(), NVL() -> IFNULL(); shiftright(a, n) is a function of the
connection (catalog.py), `a & b` sqlite's own operator, INSTR(s, t) sqlite's instr.
The functions of the dataworks-json layout's merge (sqljson.py, with MaxCompute's
documented semantics, strict where MaxCompute's documentation says nothing):
GET_JSON_OBJECT(s, '$.name') (only under `SET odps.sql.udf.getjsonobj.new=true;`),
UNHEX(s), CAST(x AS DOUBLE), CAST(x AS FLOAT), CAST(x AS DECIMAL(p,s)) and the integer
CASTs of text; SUBSTR(s, start, length); TO_DATE(text), CAST(text AS DATETIME | TIMESTAMP),
DATEADD(x, n, 'ff3' | 'ff6') (only under `SET odps.sql.timezone=Etc/GMT;`).
Window functions (ROW_NUMBER() OVER ...) and aggregates run as sqlite runs them.
JOINs only as MaxCompute's common join runs them (sqljoin.py: ON of AND-ed equalities,
a subquery joined has an alias, no CROSS JOIN).
Errors are MaxCompute-like task texts: "ODPS-0130161:[line,col] Parse exception - ...".
"""
import csv
import io
import re
import sqlite3
import time

import catalog
import committed
import recstream
import sqljoin
import sqljson
import upserts

TOKEN_RE = re.compile(r"""
  (?P<ws>\s+|--[^\n]*|/\*.*?\*/)
| (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
| (?P<bq>`(?:[^`]|``)*`)
| (?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
| (?P<word>[A-Za-z_][A-Za-z0-9_]*)
| (?P<op><=|>=|<>|!=|==|\|\||[-+*/%(),.;<>=!&|^~\[\]:])
""", re.S | re.X)

ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "\\": "\\", "'": "'", '"': '"'}


class SqlError(Exception):
    pass


def perr(tok, msg):
    raise SqlError("ODPS-0130161:[%d,%d] Parse exception - %s" % (tok[2], tok[3], msg))


def serr(msg, code="ODPS-0130071"):
    raise SqlError("%s:Semantic analysis exception - %s" % (code, msg))


def tokenize(text):
    toks = []
    pos = 0
    line, lstart = 1, 0
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            perr(("", "", line, pos - lstart + 1, 0, 0, ""), "unexpected character %r" % text[pos])
        kind = m.lastgroup
        s = m.group()
        col = pos - lstart + 1
        if kind != "ws":
            if kind == "str":
                body = s[1:-1]
                val = re.sub(r"\\(.)", lambda e: ESC.get(e.group(1), e.group(1)), body, flags=re.S)
                toks.append(("str", val, line, col, pos, m.end(), text))
            elif kind == "bq":
                toks.append(("id", s[1:-1].replace("``", "`"), line, col, pos, m.end(), text))
            else:
                toks.append((kind, s, line, col, pos, m.end(), text))
        nl = s.count("\n")
        if nl:
            line += nl
            lstart = pos + s.rfind("\n") + 1
        pos = m.end()
    return toks


class P:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self, k=0):
        j = self.i + k
        return self.t[j] if j < len(self.t) else ("eof", "", 0, 0, 0, 0, "")

    def kw(self, *words):
        """Consume the keywords if they all follow (case-insensitively)."""
        for k, w in enumerate(words):
            t = self.peek(k)
            if t[0] != "word" or t[1].upper() != w:
                return False
        self.i += len(words)
        return True

    def need(self, *words):
        if not self.kw(*words):
            perr(self.peek(), "expected %s near %r" % (" ".join(words), self.peek()[1]))

    def op(self, s):
        t = self.peek()
        if t[0] == "op" and t[1] == s:
            self.i += 1
            return True
        return False

    def need_op(self, s):
        if not self.op(s):
            perr(self.peek(), "expected '%s' near %r" % (s, self.peek()[1]))

    def name(self, project):
        t = self.peek()
        if t[0] not in ("word", "id"):
            perr(t, "expected a name near %r" % t[1])
        self.i += 1
        n = t[1]
        if self.peek()[0] == "op" and self.peek()[1] == "." and project and n.lower() == project.lower():
            self.i += 1
            return self.name(None)
        return n

    def string(self):
        t = self.peek()
        if t[0] != "str":
            perr(t, "expected a string near %r" % t[1])
        self.i += 1
        return t[1]

    def at_end(self):
        return self.i >= len(self.t)


def type_text(p):
    """Collect a column type's tokens up to a top-level ',' or ')' or keyword."""
    out = []
    depth = 0
    while True:
        t = p.peek()
        if t[0] == "eof":
            break
        if t[0] == "op" and t[1] in "<(":
            depth += 1
        elif t[0] == "op" and t[1] in ">)":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (t[0] == "op" and t[1] == "," or t[0] == "word" and t[1].upper() in ("NOT", "COMMENT")):
            break
        out.append(t[1])
        p.i += 1
    try:
        return recstream.parse_type(" ".join(out))
    except (ValueError, IndexError) as e:
        perr(p.peek(), "bad type %r: %s" % (" ".join(out), e))


def coldefs(p, partition, pk=None):
    """pk: a list that gets the names of a PRIMARY KEY (...) clause (None: none allowed)."""
    p.need_op("(")
    cols = []
    while True:
        if pk is not None and cols and p.kw("PRIMARY", "KEY"):
            if pk:
                perr(p.peek(), "a second PRIMARY KEY")
            p.need_op("(")
            while True:
                pk.append(p.name(None))
                if not p.op(","):
                    break
            p.need_op(")")
            p.need_op(")")
            return cols
        n = p.name(None)
        t = type_text(p)
        nullable = True
        comment = ""
        if p.kw("NOT", "NULL"):
            nullable = False
        if p.kw("COMMENT"):
            comment = p.string()
        cols.append((n, t) if partition else (n, t, nullable, comment))
        if p.op(","):
            continue
        p.need_op(")")
        return cols


def tblproperties(p):
    """TBLPROPERTIES ('k'='v', ...) -> {k: v} (keys lower-case)."""
    p.need_op("(")
    props = {}
    while True:
        k = p.string()
        p.need_op("=")
        props[k.lower()] = p.string()
        if not p.op(","):
            break
    p.need_op(")")
    return props


def part_spec(p, allow_dynamic=False):
    p.need_op("(")
    pairs = []
    while True:
        k = p.name(None)
        if p.op("="):
            t = p.peek()
            if t[0] not in ("str", "num"):
                perr(t, "partition value must be a literal near %r" % t[1])
            p.i += 1
            pairs.append((k, t[1]))
        elif allow_dynamic:
            pairs.append((k, None))
        else:
            perr(p.peek(), "partition %s needs a value" % k)
        if p.op(","):
            continue
        p.need_op(")")
        return pairs


CAST_TYPES = {"STRING": "TEXT", "VARCHAR": "TEXT", "CHAR": "TEXT", "DATETIME": "TEXT", "DATE": "TEXT",
              "TIMESTAMP": "TEXT", "JSON": "TEXT", "DECIMAL": "TEXT", "BIGINT": "INTEGER", "INT": "INTEGER",
              "SMALLINT": "INTEGER", "TINYINT": "INTEGER", "BOOLEAN": "INTEGER", "DOUBLE": "REAL",
              "FLOAT": "REAL", "BINARY": "BLOB"}
FUNCS = {"IF": "IIF", "NVL": "IFNULL", "GET_JSON_OBJECT": "_odps_get_json_object",
         "UNHEX": "_odps_unhex", "TO_DATE": "_odps_to_date", "SUBSTR": "_odps_substr",
         "DATEADD": "_odps_dateadd"}


def to_sqlite(toks, project):
    """The tokens' text, the original spacing kept, with the translations made."""
    out = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        k, v = t[0], t[1]
        if i:
            out.append(t[6][toks[i - 1][5]:t[4]] if toks[i - 1][6] is t[6] else " ")
        if k == "str":
            out.append("'" + v.replace("'", "''") + "'")
        elif k == "id":
            out.append(catalog.qi(v))
        elif k == "word":
            up = v.upper()
            nxt = toks[i + 1] if i + 1 < n else None
            prev = toks[i - 1] if i else None
            cast = sqljson.cast_call(toks, i, up) if up == "CAST" else None
            if cast:    # CAST(x AS FLOAT | DOUBLE | DECIMAL(p,s)): sqljson.py
                a, fn, args, close = cast
                out.append("%s(%s%s)" % (fn, to_sqlite(toks[i + 2:a], project), args))
                i = close + 1
                continue
            if up in FUNCS and nxt and nxt[1] == "(":
                out.append(FUNCS[up])
            elif prev and prev[0] == "word" and prev[1].upper() == "AS" and up in CAST_TYPES and \
                    _in_cast(toks, i):
                out.append(CAST_TYPES[up])
                if nxt and nxt[1] == "(":     # DECIMAL(10,2), VARCHAR(5): drop the parameters
                    j = i + 1
                    while j < n and toks[j][1] != ")":
                        j += 1
                    i = j
            elif project and v.lower() == project.lower() and nxt and nxt[1] == ".":
                i += 2
                continue
            else:
                out.append(v)
        else:
            out.append(v)
        i += 1
    return "".join(out)


def _in_cast(toks, i):
    depth = 0
    for j in range(i - 1, -1, -1):
        v = toks[j][1]
        if toks[j][0] != "op":
            continue
        if v == ")":
            depth += 1
        elif v == "(":
            if depth == 0:
                return j > 0 and toks[j - 1][0] == "word" and toks[j - 1][1].upper() == "CAST"
            depth -= 1
    return False


def split_statements(text):
    toks = tokenize(text)
    stmts, cur = [], []
    for t in toks:
        if t[0] == "op" and t[1] == ";":
            if cur:
                stmts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        stmts.append(cur)
    return stmts


def fullscan_check(proj, toks):
    """A project that refuses full scans: every partitioned table read (after FROM
    or JOIN) needs a partition column named after a WHERE (a simple model of
    MaxCompute's check, enough to catch a statement with no such predicate)."""
    where = [i for i, t in enumerate(toks) if t[0] == "word" and t[1].upper() == "WHERE"]
    for i, t in enumerate(toks[:-1]):
        if not (t[0] == "word" and t[1].upper() in ("FROM", "JOIN")) or toks[i + 1][0] not in ("word", "id"):
            continue
        tb = proj.table(toks[i + 1][1])
        if tb is None or not tb.parts:
            continue
        names = {n.lower() for n, _t in tb.parts}
        if not any(u[0] in ("word", "id") and u[1].lower() in names
                   for w in where for u in toks[w + 1:]):
            raise SqlError("ODPS-0130071:[%d,%d] Semantic analysis exception - physical plan "
                           "generation failed: Table(%s,%s) is full scan with all partitions, please "
                           "specify partition predicates." % (t[2], t[3], proj.name, tb.name))


def run(proj, text, fullscan=True):
    """Run the SQL of one task; return the result text (CSV for a query, '' else)."""
    stmts = [s for s in split_statements(text)
             if not (s[0][0] == "word" and s[0][1].upper() == "SET")]
    if len(stmts) != 1:
        raise SqlError("ODPS-0130161:[1,1] Parse exception - a SQL task runs one statement, "
                       "this one has %d (SET lines aside)" % len(stmts))
    sets = ["".join(t[1] for t in st[1:]) for st in split_statements(text)
            if st[0][0] == "word" and st[0][1].upper() == "SET"]
    if any(t[0] == "word" and t[1].upper() == "GET_JSON_OBJECT" for t in stmts[0]) and \
            "odps.sql.udf.getjsonobj.new=true" not in sets:
        raise SqlError("ODPS-0130071:Semantic analysis exception - GET_JSON_OBJECT: this server "
                       "models it under SET odps.sql.udf.getjsonobj.new=true; only (the value "
                       "as it is: a string's characters, a number's text)")
    if not fullscan and "odps.sql.allow.fullscan=true" not in [x.lower() for x in sets]:
        with proj.lock:
            fullscan_check(proj, stmts[0])
    tz = [x.split("=", 1)[1] for x in sets if x.startswith("odps.sql.timezone=")]
    try:
        with proj.lock:
            sqljson.SESSION["tz"] = tz[-1] if tz else None
            sqljson.SESSION["err"] = None
            sqljson.register(proj.db)
            sqljoin.check(stmts[0])     # the JOINs MaxCompute runs
            committed.before_statement(proj, stmts[0])   # the rows of committed blocks it reads
            return statement(proj, P(stmts[0]))
    except ValueError as e:     # sqljson.py: a form this server does not take
        raise SqlError("ODPS-0130071:Semantic analysis exception - %s" % e)
    except catalog.CatalogError as e:
        raise SqlError("ODPS-0130131:%s" % e.msg if e.code.startswith("NoSuch")
                       else "ODPS-0130071:Semantic analysis exception - %s" % e.msg)
    except sqlite3.Error as e:
        raise SqlError("ODPS-0130071:Semantic analysis exception - %s"
                       % (sqljson.SESSION.get("err") or e))


def statement(proj, p):
    pn = proj.name
    if p.kw("CREATE", "TABLE"):
        ine = p.kw("IF", "NOT", "EXISTS")
        name = p.name(pn)
        if p.kw("AS") or p.kw("LIKE"):
            perr(p.peek(), "CREATE TABLE ... AS/LIKE: not run by the local server")
        pk = []
        cols = coldefs(p, False, pk)
        comment = ""
        parts = []
        lifecycle = None
        props = {}
        if p.kw("COMMENT"):
            comment = p.string()
        if p.kw("PARTITIONED", "BY"):
            parts = coldefs(p, True)
        if p.kw("TBLPROPERTIES"):
            props = tblproperties(p)
        if p.kw("LIFECYCLE"):
            t = p.peek()
            if t[0] != "num" or not t[1].isdigit() or int(t[1]) < 1:
                perr(t, "LIFECYCLE takes a positive number of days")
            p.i += 1
            lifecycle = int(t[1])
        if not p.at_end():
            perr(p.peek(), "unexpected %r" % p.peek()[1])
        try:   # a PK Delta Table (upserts.py): checked before the table is made
            upserts.register_check(cols, pk, props)
        except ValueError as e:
            serr(str(e))
        if proj.create_table(name, cols, parts, lifecycle, comment, ine):
            upserts.register(proj, name, cols, pk, props)
        return ""
    if p.kw("DROP", "TABLE"):
        ie = p.kw("IF", "EXISTS")
        name = p.name(pn)
        if not p.at_end():
            perr(p.peek(), "unexpected %r" % p.peek()[1])
        proj.drop_table(name, ie)
        upserts.unregister(proj, name)
        return ""
    if p.kw("DESC") or p.kw("DESCRIBE"):
        name = p.name(pn)
        if not p.at_end():
            perr(p.peek(), "unexpected %r" % p.peek()[1])
        t = proj.table(name)
        if t is None:
            raise SqlError("ODPS-0130131:Table not found - table %s.%s cannot be resolved" % (pn, name))
        return desc_text(proj, t)
    if p.kw("SHOW", "PARTITIONS"):
        name = p.name(pn)
        if not p.at_end():
            perr(p.peek(), "unexpected %r" % p.peek()[1])
        t = proj.table(name)
        if t is None:
            raise SqlError("ODPS-0130131:Table not found - table %s.%s cannot be resolved" % (pn, name))
        if not t.parts:
            serr("table %s is not partitioned" % t.name)
        specs = [r[0] for r in proj.db.execute("SELECT spec FROM _odps_partitions WHERE tbl = ? "
                                              "ORDER BY spec", (t.name,))]
        return "".join(sp.replace(",", "/") + "\n" for sp in specs)
    if p.kw("ALTER", "TABLE"):
        name = p.name(pn)
        t = proj.table(name)
        if t is None:
            raise SqlError("ODPS-0130131:Table not found - table %s.%s cannot be resolved" % (pn, name))
        if p.kw("ADD", "COLUMNS"):
            ine = p.kw("IF", "NOT", "EXISTS")
            cols = coldefs(p, False)
            if not p.at_end():
                perr(p.peek(), "unexpected %r" % p.peek()[1])
            proj.add_columns(t, cols, ine)
            return ""
        if p.kw("CHANGE"):
            p.kw("COLUMN")
            old = p.name(None)
            if p.kw("RENAME", "TO"):
                new = p.name(None)
                if not p.at_end():
                    perr(p.peek(), "unexpected %r" % p.peek()[1])
                proj.rename_column(t, old, new)
                return ""
            new = p.name(None)
            typ = type_text(p)
            if not p.at_end():
                perr(p.peek(), "CHANGE COLUMN: only a type is changed here, near %r" % p.peek()[1])
            if new.lower() != old.lower():
                perr(p.peek(), "CHANGE COLUMN old new TYPE: rename with CHANGE COLUMN old RENAME TO new")
            try:
                proj.change_type(t, old, typ)
            except catalog.CatalogError as e:
                serr(e.msg)
            return ""
        if p.kw("ADD"):
            ine = p.kw("IF", "NOT", "EXISTS")
            specs = []
            while p.kw("PARTITION"):
                specs.append(proj.spec_from_pairs(t, part_spec(p), "PARTITION"))
            if not specs or not p.at_end():
                perr(p.peek(), "expected PARTITION (...) near %r" % p.peek()[1])
            proj.db.execute("BEGIN IMMEDIATE")
            try:
                for s in specs:
                    if proj.has_partition(t, s) and not ine:
                        raise SqlError("ODPS-0130111:Subpartition already exists - %s" % s)
                    proj.add_partition(t, s)
                proj.db.execute("COMMIT")
            except BaseException:
                proj.db.execute("ROLLBACK")
                raise
            return ""
        if p.kw("DROP"):
            ie = p.kw("IF", "EXISTS")
            specs = []
            while p.kw("PARTITION"):
                specs.append(proj.spec_from_pairs(t, part_spec(p), "PARTITION"))
                if not p.op(","):
                    break
            if not specs or not p.at_end():
                perr(p.peek(), "expected PARTITION (...) near %r" % p.peek()[1])
            proj.db.execute("BEGIN IMMEDIATE")
            try:
                for s in specs:
                    if not proj.has_partition(t, s):
                        if ie:
                            continue
                        raise SqlError("ODPS-0130131:Partition not found - %s" % s)
                    w, vals = proj.part_where(t, s)
                    proj.db.execute("DELETE FROM %s WHERE %s" % (catalog.qi(t.name), w), vals)
                    proj.db.execute("DELETE FROM _odps_partitions WHERE tbl = ? AND spec = ?", (t.name, s))
                proj.db.execute("COMMIT")
            except BaseException:
                proj.db.execute("ROLLBACK")
                raise
            return ""
        perr(p.peek(), "ALTER TABLE: only ADD/DROP PARTITION, ADD COLUMNS and CHANGE COLUMN are run by the "
             "local server")
    if p.kw("INSERT"):
        if p.kw("OVERWRITE"):
            overwrite = True
        elif p.kw("INTO"):
            overwrite = False
        else:
            perr(p.peek(), "expected OVERWRITE or INTO")
        p.need("TABLE")
        name = p.name(pn)
        t = proj.table(name)
        if t is None:
            raise SqlError("ODPS-0130131:Table not found - table %s.%s cannot be resolved" % (pn, name))
        pairs = None
        if p.kw("PARTITION"):
            pairs = part_spec(p, allow_dynamic=True)
        elif t.parts:
            serr("table %s is partitioned: INSERT needs PARTITION (...)" % t.name)
        cols = None
        if p.peek()[0] == "op" and p.peek()[1] == "(" and p.peek(1)[0] in ("word", "id") and \
                p.peek(1)[1].upper() not in ("SELECT", "WITH"):
            # INSERT ... (col, ...) SELECT: the columns not named are NULL
            p.need_op("(")
            cols = [p.name(None)]
            while p.op(","):
                cols.append(p.name(None))
            p.need_op(")")
            known = {c[0].lower(): c[0] for c in t.cols}
            for c in cols:
                if c.lower() not in known:
                    serr("INSERT into %s: no column %s" % (t.name, c))
            if len({c.lower() for c in cols}) != len(cols):
                serr("INSERT into %s: a column named twice" % t.name)
            cols = [known[c.lower()] for c in cols]
        return insert(proj, t, pairs, overwrite, p.t[p.i:], cols)
    if p.peek()[0] == "word" and p.peek()[1].upper() in ("SELECT", "WITH"):
        cur = proj.db.execute(to_sqlite(p.t, pn))
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([d[0] if re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", d[0]) else "_c%d" % i
                    for i, d in enumerate(cur.description)])
        for row in cur:
            w.writerow(["\\N" if v is None else v.hex() if isinstance(v, bytes) else v for v in row])
        return buf.getvalue()
    perr(p.peek(), "statement %r is not run by the local server" % p.peek()[1])


def desc_text(proj, t):
    """odpscmd's DESC layout (a text table 84 wide)."""
    r = proj.db.execute("SELECT comment, created FROM _odps_tables WHERE name = ?", (t.name,)).fetchone()
    sep = "+" + "-" * 82 + "+"

    def line(s):
        return "| %-80s |" % s

    def row(cells, widths):
        return "| " + " | ".join("%-*s" % (w, c) for c, w in zip(cells, widths)) + " |"
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r[1] or 0))
    out = [sep, line("Owner:                    ALIYUN$local | Project: %s" % proj.name),
           line("TableComment: %s" % (r[0] or "")), sep,
           line("CreateTime:               %s" % when), line("LastDDLTime:              %s" % when),
           line("LastModifiedTime:         %s" % when),
           line("Lifecycle:                %s" % (t.lifecycle if t.lifecycle else "")), sep,
           line("InternalTable: YES      | Size: 0"), sep, line("Native Columns:"), sep,
           row(["Field", "Type", "Label", "Comment"], [16, 16, 6, 33]), sep]
    for c in t.cols:
        out.append(row([c[0], recstream.type_str(c[1]).lower(), "", c[3]], [16, 16, 6, 33]))
    out.append(sep)
    if t.parts:
        out += [line("Partition Columns:"), sep]
        for pc in t.parts:
            out.append(row([pc[0], recstream.type_str(pc[1]).lower(), ""], [16, 16, 42]))
        out.append(sep)
    return "\n".join(out) + "\n"


def _ts_text(v):
    """A DATETIME's text as a TIMESTAMP holds it (nine fraction digits)."""
    if not isinstance(v, str) or len(v) < 19:
        return v
    head, _, frac = v.partition(".")
    return head + "." + (frac + "000000000")[:9]


def insert(proj, t, pairs, overwrite, sel, cols=None):
    if not sel or sel[0][0] != "word" or sel[0][1].upper() not in ("SELECT", "WITH", "FROM"):
        perr(sel[0] if sel else ("", "", 0, 0, 0, 0, ""), "INSERT ... needs a SELECT")
    q = to_sqlite(sel, proj.name)
    ncols = len(cols) if cols is not None else len(t.cols)
    static = []
    ndyn = 0
    if pairs is not None:
        if [k.lower() for k, _ in pairs] != [p[0].lower() for p in t.parts]:
            serr("PARTITION (%s): table %s has partition keys (%s)" % (
                ", ".join(k for k, _ in pairs), t.name, ", ".join(p[0] for p in t.parts)))
        seen_dyn = False
        for k, v in pairs:
            if v is None:
                seen_dyn = True
                ndyn += 1
            elif seen_dyn:
                serr("a static partition key after a dynamic one")
            else:
                if not catalog.PART_VALUE_RE.match(v):
                    serr("bad partition value %r" % v)
                static.append(v)
    cur = proj.db.execute("SELECT * FROM (%s) LIMIT 0" % q)
    got = len(cur.description)
    if got != ncols + ndyn:
        serr("INSERT into %s: the SELECT gives %d columns, the table takes %d%s" % (
            t.name, got, ncols, " plus %d dynamic partition values" % ndyn if ndyn else ""))
    names = [catalog.qi(c) for c in (cols if cols is not None else [c[0] for c in t.cols])] + \
        [catalog.qi(pp[0]) for pp in t.parts]
    proj.db.execute("BEGIN IMMEDIATE")
    try:
        proj.db.execute("CREATE TEMP TABLE _odps_ins AS SELECT * FROM (%s)" % q)
        src = [catalog.qi(d[0]) for d in proj.db.execute("SELECT * FROM _odps_ins LIMIT 0").description]
        if ndyn:
            dyn = src[ncols:]
            specs = proj.db.execute("SELECT DISTINCT %s FROM _odps_ins" % ", ".join(dyn)).fetchall()
            for vals in specs:
                spec = proj.spec_from_pairs(t, list(zip([pp[0] for pp in t.parts],
                                                        static + [str(v) for v in vals])), "PARTITION")
                if overwrite:
                    w, wv = proj.part_where(t, spec)
                    proj.db.execute("DELETE FROM %s WHERE %s" % (catalog.qi(t.name), w), wv)
                proj.add_partition(t, spec)
        elif t.parts:
            spec = proj.spec_from_pairs(t, list(zip([pp[0] for pp in t.parts], static)), "PARTITION")
            if overwrite:
                w, wv = proj.part_where(t, spec)
                proj.db.execute("DELETE FROM %s WHERE %s" % (catalog.qi(t.name), w), wv)
            proj.add_partition(t, spec)
        elif overwrite:
            proj.db.execute("DELETE FROM %s" % catalog.qi(t.name))
        sel_cols = src[:ncols] + ["?"] * len(static) + [("CAST(%s AS TEXT)" % c) for c in src[ncols:]]
        # a DATETIME's value into a TIMESTAMP column (CAST(d AS TIMESTAMP) is
        # TEXT here): held with nine fraction digits, as TIMESTAMP is
        types = {c[0].lower(): c[1] for c in t.cols}
        tnames = cols if cols is not None else [c[0] for c in t.cols]
        proj.db.create_function("_odps_ts", 1, _ts_text, deterministic=True)
        for i, cn in enumerate(tnames[:ncols]):
            ty = types.get(cn.lower())
            if ty is not None and str(ty[0] if isinstance(ty, tuple) else ty).upper() == "TIMESTAMP":
                sel_cols[i] = "_odps_ts(%s)" % sel_cols[i]
        proj.db.execute("INSERT INTO %s (%s) SELECT %s FROM _odps_ins" % (
            catalog.qi(t.name), ", ".join(names), ", ".join(sel_cols)), static)
        proj.db.execute("DROP TABLE temp._odps_ins")
        proj.db.execute("COMMIT")
    except BaseException:
        proj.db.execute("ROLLBACK")
        raise
    return ""
