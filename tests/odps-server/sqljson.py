"""The SQL functions the dataworks-json layout's merge uses, with MaxCompute's
documented semantics, and strict (an error) where the documentation says
nothing that mcsync's SQL could rely on:

GET_JSON_OBJECT(json STRING, path STRING) under odps.sql.udf.getjsonobj.new=true
  (the value "as it is": a string's characters with its escapes decoded, a
  number's text as written, an object or array its JSON text); NULL for a
  NULL or invalid json and for a path that is not there. Paths: '$.name'
  (letters, digits, '_') only here. A JSON null: the text 'null' here
  (MaxCompute does not document it: mcsync's SQL tells NULL apart itself).
UNHEX(s): the bytes of an even number of hex digits (else an error here).
CAST(x AS DOUBLE) / CAST(x AS FLOAT): text as a number, correctly rounded to
  the type (FLOAT by strtof: no double rounding); a text that is not a
  number is an error here.
CAST(x AS DECIMAL(p,s)): text or an integer, as the exact text of scale s
  (the server's DECIMAL is its text); a value that would round or does not
  fit is an error here (MaxCompute rounds half up; mcsync never asks it to).
CAST(text AS BIGINT | INT | SMALLINT | TINYINT): an optional '-' and digits
  in the type's range (the documented float and exponent forms: an error here).
SUBSTR(s, start, length): start and length positive integers only here.
Text to a date or time, only under `SET odps.sql.timezone=Etc/GMT;` (the zone
  the text is read in; any other, or none (the project's), is an error here),
  and only from 1900-01-01 on (MaxCompute promises that its SQL and the Tunnel
  agree on a time from then on only):
  TO_DATE(text): 'yyyy-mm-dd' exactly, a DATE (with a format: an error here);
  CAST(text AS DATETIME): 'yyyy-mm-dd hh:mi:ss' exactly (documented), as
  CAST(text AS TIMESTAMP) ('at least' that form: fraction digits are an error
  here); CAST(text AS DATE): an error here;
  DATEADD(x, n, 'ff3' | 'ff6'): n milliseconds or microseconds added to a
  DATETIME (ff3 only: it keeps milliseconds) or a TIMESTAMP (told apart by the
  server's stored forms: DATETIME '... .mmm', TIMESTAMP nine digits); x NULL
  is an error (documented), n NULL gives NULL; other units: an error here.
  Dates are checked (a day not in its month is an error).
A CAST's operand is text when it is a string literal or a GET_JSON_OBJECT or
SUBSTR call; any other CAST stays sqlite's own.
"""
import ctypes
import datetime
import json
import re
import struct

NUM_RE = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\Z")
DEC_RE = re.compile(r"(-?)(\d+)(?:\.(\d+))?\Z")
PATH_RE = re.compile(r"\$\.([A-Za-z0-9_]+)\Z")

_libc = ctypes.CDLL(None)
_libc.strtof.restype = ctypes.c_float
_libc.strtof.argtypes = [ctypes.c_char_p, ctypes.c_void_p]


class _Num(str):
    pass


def _bad_constant(s):
    raise ValueError("not JSON: %s" % s)


def get_json_object(js, path):
    if js is None or path is None:
        return None
    m = PATH_RE.match(path)
    if not m:
        raise ValueError("GET_JSON_OBJECT: this server takes paths '$.name' only, not %r" % path)
    try:
        v = json.loads(js, parse_int=_Num, parse_float=_Num, parse_constant=_bad_constant)
    except ValueError:
        return None
    if not isinstance(v, dict) or m.group(1) not in v:
        return None
    x = v[m.group(1)]
    if isinstance(x, _Num):
        return str(x)
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return x
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False)


def unhex(s):
    if s is None:
        return None
    if not isinstance(s, str) or len(s) % 2 or not re.match(r"[0-9A-Fa-f]*\Z", s):
        raise ValueError("UNHEX: %r is not hex digits" % (s,)[:60])
    return bytes.fromhex(s)


def _num_text(x, what):
    if isinstance(x, str):
        if not NUM_RE.match(x):
            raise ValueError("CAST(%r AS %s): not a number" % (x[:40], what))
        return x
    return None


def cast_double(x):
    if x is None:
        return None
    t = _num_text(x, "DOUBLE")
    v = float(t) if t is not None else float(x)
    if v in (float("inf"), float("-inf")):
        raise ValueError("CAST AS DOUBLE: %r overflows" % (x,))
    return v


def cast_float(x):
    if x is None:
        return None
    t = _num_text(x, "FLOAT")
    if t is not None:
        v = _libc.strtof(t.encode(), None)
    else:
        v = struct.unpack("<f", struct.pack("<f", float(x)))[0]
    if v in (float("inf"), float("-inf")):
        raise ValueError("CAST AS FLOAT: %r overflows" % (x,))
    return v


def cast_decimal(x, p, s):
    if x is None:
        return None
    if isinstance(x, int):
        x = str(x)
    m = DEC_RE.match(x) if isinstance(x, str) else None
    if not m:
        raise ValueError("CAST(%r AS DECIMAL(%d,%d)): this server casts decimal text and "
                         "integers only" % (x, p, s))
    sign, ip, fp = m.group(1), m.group(2).lstrip("0") or "0", m.group(3) or ""
    if len(fp) > s:
        if fp[s:].strip("0"):
            raise ValueError("CAST(%r AS DECIMAL(%d,%d)) would round" % (x, p, s))
        fp = fp[:s]
    fp = fp + "0" * (s - len(fp))
    if len(ip.lstrip("0")) > p - s:
        raise ValueError("CAST(%r AS DECIMAL(%d,%d)) does not fit" % (x, p, s))
    return sign + ip + ("." + fp if s else "")


SESSION = {"tz": None}      # sqlodps.run: the statement's SET odps.sql.timezone
DT_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\Z")
DATE_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)\Z")
INT_RE = re.compile(r"-?\d+\Z")
INT_BITS = {"TINYINT": 8, "SMALLINT": 16, "INT": 32, "BIGINT": 64}
TEXT_FUNCS = ("GET_JSON_OBJECT", "SUBSTR")
FIRST = datetime.datetime(1900, 1, 1)


def _zone(what):
    if SESSION["tz"] != "Etc/GMT":
        raise ValueError("%s: this server reads date and time text under SET "
                         "odps.sql.timezone=Etc/GMT; only (the session's zone is %s)"
                         % (what, SESSION["tz"] or "the project's"))


def _when(x, rx, what):
    _zone(what)
    m = rx.match(x) if isinstance(x, str) else None
    try:
        if not m:
            raise ValueError
        t = datetime.datetime(*[int(g) for g in m.groups()])
    except ValueError:
        raise ValueError("%s(%r): not a form this server takes" % (what, x))
    if t < FIRST:
        raise ValueError("%s(%r): before 1900-01-01, where MaxCompute does not promise that "
                         "SQL reads a time as the Tunnel writes it" % (what, x))
    return x


def cast_text_datetime(x):
    return None if x is None else _when(x, DT_RE, "CAST AS DATETIME") + ".000"


def cast_text_timestamp(x):
    return None if x is None else _when(x, DT_RE, "CAST AS TIMESTAMP") + ".000000000"


def to_date(x):
    return None if x is None else _when(x, DATE_RE, "TO_DATE")


def cast_text_int(x, bits):
    if x is None:
        return None
    if not isinstance(x, str) or not INT_RE.match(x):
        raise ValueError("CAST(%r AS an integer): this server casts '-' and digits only"
                         % (x,)[:60])
    v = int(x)
    if not -(1 << (bits - 1)) + (bits == 64) <= v < 1 << (bits - 1):
        raise ValueError("CAST(%r AS an integer of %d bits): out of range" % (x, bits))
    return v


def substr(s, start, n):
    if s is None or start is None or n is None:
        return None
    if not isinstance(s, str) or not isinstance(start, int) or not isinstance(n, int) or \
            start < 1 or n < 1:
        raise ValueError("SUBSTR(%r, %r, %r): this server takes text, a positive start and "
                         "a positive length only" % (s, start, n))
    return s[start - 1:start - 1 + n]


def dateadd(x, n, unit):
    _zone("DATEADD")
    if x is None:
        raise ValueError("DATEADD: a NULL date is an error (documented)")
    if n is None or unit is None:
        return None
    ts = isinstance(x, str) and len(x) == 29
    if not isinstance(x, str) or len(x) not in (23, 29) or unit not in ("ff3", "ff6") or \
            (unit == "ff6" and not ts) or not isinstance(n, int):
        raise ValueError("DATEADD(%r, %r, %r): this server adds ff3 to a DATETIME and ff3 "
                         "or ff6 to a TIMESTAMP only" % (x, n, unit))
    t = datetime.datetime.strptime(x[:19], "%Y-%m-%d %H:%M:%S")
    ns = int(x[20:].ljust(9, "0")) + n * (1000000 if unit == "ff3" else 1000)
    try:
        t += datetime.timedelta(seconds=ns // 1000000000)
    except OverflowError:
        raise ValueError("DATEADD(%r, %r, %r): out of range" % (x, n, unit))
    head = "%04d-%s" % (t.year, t.strftime("%m-%d %H:%M:%S"))
    ns %= 1000000000
    return head + (".%09d" % ns if ts else ".%03d" % (ns // 1000000))


def _text_operand(toks, a, b):
    """toks[a:b] is one string literal or one call of a function returning text."""
    if b == a + 1 and toks[a][0] == "str":
        return True
    if b - a < 3 or toks[a][0] != "word" or toks[a][1].upper() not in TEXT_FUNCS or \
            toks[a + 1][1] != "(" or toks[b - 1][1] != ")":
        return False
    depth = 0
    for j in range(a + 1, b):
        if toks[j][0] == "op" and toks[j][1] == "(":
            depth += 1
        elif toks[j][0] == "op" and toks[j][1] == ")":
            depth -= 1
            if depth == 0:
                return j == b - 1
    return False


def cast_call(toks, i, up):
    """At toks[i] == CAST: (index of its AS, function, extra args, index of its ')')
    for CAST(x AS FLOAT | DOUBLE | DECIMAL(p,s)), else None."""
    n = len(toks)
    if i + 1 >= n or toks[i + 1][1] != "(":
        return None
    depth, as_at = 0, None
    for j in range(i + 1, n):
        v = toks[j][1]
        if toks[j][0] == "op" and v == "(":
            depth += 1
        elif toks[j][0] == "op" and v == ")":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and toks[j][0] == "word" and v.upper() == "AS":
            as_at = j
    else:
        return None
    if as_at is None or as_at + 1 >= j:
        return None
    ty = toks[as_at + 1][1].upper()
    if ty in ("DATETIME", "TIMESTAMP", "DATE") or ty in INT_BITS:
        if as_at + 2 != j or not _text_operand(toks, i + 2, as_at):
            return None
        if ty == "DATE":
            raise ValueError("CAST(text AS DATE): not a form this server takes (TO_DATE(text))")
        if ty in INT_BITS:
            return as_at, "_odps_cast_text_int", ", %d" % INT_BITS[ty], j
        return as_at, "_odps_cast_text_" + ty.lower(), "", j
    if ty == "FLOAT" and as_at + 2 == j:
        return as_at, "_odps_cast_float", "", j
    if ty == "DOUBLE" and as_at + 2 == j:
        return as_at, "_odps_cast_double", "", j
    if ty == "DECIMAL":
        t = [x[1] for x in toks[as_at + 2:j]]
        if len(t) == 5 and t[0] == "(" and t[2] == "," and t[4] == ")" and \
                t[1].isdigit() and t[3].isdigit():
            return as_at, "_odps_cast_decimal", ", %d, %d" % (int(t[1]), int(t[3])), j
        raise ValueError("CAST AS DECIMAL: this server takes DECIMAL(p,s) only")
    return None


def _said(fn):
    """fn, its ValueError's text kept in SESSION["err"] (sqlite reports a
    function's exception as "user-defined function raised exception")."""
    def f(*a):
        try:
            return fn(*a)
        except ValueError as e:
            SESSION["err"] = str(e)
            raise
    return f


def register(db):
    db.create_function("_odps_get_json_object", 2, get_json_object, deterministic=True)
    db.create_function("_odps_unhex", 1, unhex, deterministic=True)
    db.create_function("_odps_cast_double", 1, cast_double, deterministic=True)
    db.create_function("_odps_cast_float", 1, cast_float, deterministic=True)
    db.create_function("_odps_cast_decimal", 3, cast_decimal, deterministic=True)
    db.create_function("_odps_cast_text_int", 2, _said(cast_text_int), deterministic=True)
    db.create_function("_odps_cast_text_datetime", 1, _said(cast_text_datetime), deterministic=True)
    db.create_function("_odps_cast_text_timestamp", 1, _said(cast_text_timestamp), deterministic=True)
    db.create_function("_odps_to_date", 1, _said(to_date), deterministic=True)
    db.create_function("_odps_substr", 3, _said(substr), deterministic=True)
    db.create_function("_odps_dateadd", 3, _said(dateadd), deterministic=True)
