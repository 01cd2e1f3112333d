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
"""
import ctypes
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


def register(db):
    db.create_function("_odps_get_json_object", 2, get_json_object, deterministic=True)
    db.create_function("_odps_unhex", 1, unhex, deterministic=True)
    db.create_function("_odps_cast_double", 1, cast_double, deterministic=True)
    db.create_function("_odps_cast_float", 1, cast_float, deterministic=True)
    db.create_function("_odps_cast_decimal", 3, cast_decimal, deterministic=True)
