"""The Tunnel record stream (spec §5): a strict decoder (every check of §5.5 and
§9) and an encoder for the tests.

Types are parsed from MaxCompute type strings (§3.5) into tuples:
('BIGINT',), ('DECIMAL', p, s), ('CHAR', n), ('VARCHAR', n), ('ARRAY', t),
('MAP', k, v), ('STRUCT', [(name, t), ...]).

Decoded values are what the server stores in sqlite: integers, floats, text,
bytes; DECIMAL as its text; DATETIME 'YYYY-MM-DD HH:MM:SS.mmm' (UTC), DATE
'YYYY-MM-DD', TIMESTAMP 'YYYY-MM-DD HH:MM:SS.nnnnnnnnn'; ARRAY, MAP and STRUCT
as JSON text (BINARY inside them as hex).
"""
import datetime
import importlib.util
import json
import os
import re
import struct
import sysconfig

END_RECORD = 33553408
META_COUNT = 33554430
META_CHECKSUM = 33554431
SCHEMA_END = 33553920
METRICS_END = 33554176
MAX_FIELD_SIZE = 8 * 1024 * 1024

# --- CRC32C (Castagnoli, reflected 0x82F63B78) ---
# A C implementation when there is one (the crc32c module: Debian's
# python3-crc32c, tests/deps.sh), else table-driven Python, 8 bytes a step
# (slicing-by-8). Both are checked against the check value of the CRC
# catalogue (CRC-32C of "123456789" = E3069283) at import.
_T = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _T.append(_c)
_T8 = [_T]
for _k in range(1, 8):
    _T8.append([(_T8[_k - 1][_i] >> 8) ^ _T[_T8[_k - 1][_i] & 0xFF] for _i in range(256)])
_U2 = struct.Struct("<II")


def crc32c_py(data, crc=0):
    c = crc ^ 0xFFFFFFFF
    t0, t1, t2, t3, t4, t5, t6, t7 = _T8
    mv = memoryview(data).cast("B")
    n8 = len(mv) - len(mv) % 8
    for a, b in _U2.iter_unpack(mv[:n8]):
        a ^= c
        c = (t7[a & 0xFF] ^ t6[(a >> 8) & 0xFF] ^ t5[(a >> 16) & 0xFF] ^ t4[a >> 24] ^
             t3[b & 0xFF] ^ t2[(b >> 8) & 0xFF] ^ t1[(b >> 16) & 0xFF] ^ t0[b >> 24])
    for x in mv[n8:]:
        c = t0[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _c_crc32c():
    """The crc32c module's function, or None. The module may be Debian's,
    built for the system Python of the same version as this one (another
    Python on PATH, e.g. pyenv's, does not look there): loaded by its
    file name when its ABI tag is this interpreter's."""
    if os.environ.get("ODPS_SERVER_PURE_CRC32C"):
        return None
    try:
        import crc32c as m
    except ImportError:
        m = None
        path = "/usr/lib/python3/dist-packages/crc32c" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")
        if os.path.exists(path):
            try:
                spec = importlib.util.spec_from_file_location("crc32c", path)
                m = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(m)
            except Exception:
                m = None
    f = getattr(m, "crc32c", None) if m is not None else None
    try:
        if f is None or f(b"123456789") != 0xE3069283 or f(b"56789", f(b"1234")) != 0xE3069283:
            return None
    except Exception:
        return None
    return f


if crc32c_py(b"123456789") != 0xE3069283:
    raise ImportError("recstream: the table-driven CRC32C is wrong")
crc32c = _c_crc32c() or crc32c_py
CRC32C_IMPL = "C (crc32c module)" if crc32c is not crc32c_py else "Python (slicing-by-8)"


# --- types ---
SCALARS = {"BIGINT", "INT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "BOOLEAN", "STRING",
           "BINARY", "DECIMAL", "DATETIME", "DATE", "TIMESTAMP", "TIMESTAMP_NTZ", "JSON",
           "INTERVAL_DAY_TIME", "INTERVAL_YEAR_MONTH", "CHAR", "VARCHAR"}


class TypeError_(ValueError):
    pass


def parse_type(text):
    toks = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+|[<>(),:]|\S", text)
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take(want=None):
        t = peek()
        if t is None or (want is not None and t != want):
            raise TypeError_("bad type %r" % text)
        pos[0] += 1
        return t

    def one():
        name = take().upper()
        if name in ("DECIMAL",):
            if peek() == "(":
                take("(")
                p = int(take())
                s = 0
                if peek() == ",":
                    take(",")
                    s = int(take())
                take(")")
                if not (1 <= p <= 38 and 0 <= s <= 18 and s <= p):
                    raise TypeError_("bad DECIMAL(%d,%d)" % (p, s))
                return ("DECIMAL", p, s)
            return ("DECIMAL", 38, 18)
        if name in ("CHAR", "VARCHAR"):
            take("(")
            n = int(take())
            take(")")
            if not (1 <= n <= (255 if name == "CHAR" else 65535)):
                raise TypeError_("bad %s(%d)" % (name, n))
            return (name, n)
        if name == "ARRAY":
            take("<")
            t = one()
            take(">")
            return ("ARRAY", t)
        if name == "MAP":
            take("<")
            k = one()
            take(",")
            v = one()
            take(">")
            return ("MAP", k, v)
        if name == "STRUCT":
            take("<")
            fields = []
            while True:
                fname = take()
                take(":")
                fields.append((fname, one()))
                if peek() == ",":
                    take(",")
                    continue
                take(">")
                return ("STRUCT", fields)
        if name not in SCALARS:
            raise TypeError_("unknown type %s" % name)
        return (name,)

    t = one()
    if pos[0] != len(toks):
        raise TypeError_("bad type %r" % text)
    return t


def type_str(t):
    n = t[0]
    if n == "DECIMAL":
        return "DECIMAL(%d,%d)" % (t[1], t[2])
    if n in ("CHAR", "VARCHAR"):
        return "%s(%d)" % (n, t[1])
    if n == "ARRAY":
        return "ARRAY<%s>" % type_str(t[1])
    if n == "MAP":
        return "MAP<%s,%s>" % (type_str(t[1]), type_str(t[2]))
    if n == "STRUCT":
        return "STRUCT<%s>" % ",".join("%s:%s" % (f, type_str(ft)) for f, ft in t[1])
    return n


INTS = {"BIGINT": 63, "INT": 31, "SMALLINT": 15, "TINYINT": 7}
STRINGS = frozenset(("STRING", "BINARY", "CHAR", "VARCHAR", "JSON", "DECIMAL"))
LEN_WHAT = {k: k + " length" for k in STRINGS}
WT_VARINT = ("BIGINT", "INT", "SMALLINT", "TINYINT", "BOOLEAN", "DATETIME", "DATE",
             "INTERVAL_YEAR_MONTH")


def wire_type(t):
    n = t[0]
    if n in WT_VARINT:
        return 0
    if n == "DOUBLE":
        return 1
    if n == "FLOAT":
        return 5
    return 2


# --- decoding ---
class StreamError(Exception):
    """code: MalformedDataStream (structure) or CorruptedDataStream (checksums)."""

    def __init__(self, code, msg):
        Exception.__init__(self, msg)
        self.code = code
        self.msg = msg


EPOCH_ORD = datetime.date(1970, 1, 1).toordinal()
MIN_DAYS = datetime.date(1, 1, 1).toordinal() - EPOCH_ORD
MAX_DAYS = datetime.date(9999, 12, 31).toordinal() - EPOCH_ORD
DECIMAL_RE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")


def day_text(days):
    return datetime.date.fromordinal(EPOCH_ORD + days).isoformat()


class Decoder:
    def __init__(self, data, columns, max_field=MAX_FIELD_SIZE):
        """columns: [(name, type tuple, nullable)]"""
        self.d = bytes(data)
        self.n = len(self.d)
        self.p = 0
        self.cols = columns
        self.max_field = max_field
        self.rec = 0
        self.crcbuf = bytearray()

    def err(self, msg, at=None, code="MalformedDataStream"):
        raise StreamError(code, "record %d, byte offset %d: %s" % (
            self.rec + 1, self.p if at is None else at, msg))

    def varint(self, what="varint"):
        p = self.p
        if p < self.n:
            b = self.d[p]
            if b < 0x80:  # one byte: minimal, within 64 bits
                self.p = p + 1
                return b
        return self.varint_long(what)

    def varint_long(self, what):
        d, p, n = self.d, self.p, self.n
        start = p
        v = 0
        shift = 0
        while True:
            if p >= n:
                self.err("stream ends inside a %s" % what, start)
            b = d[p]
            p += 1
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                break
            shift += 7
            if shift >= 70:
                self.err("%s longer than 10 bytes" % what, start)
        if p - start > 1 and d[p - 1] == 0:
            self.err("non-minimal %s (over-long encoding)" % what, start)
        if v >> 64:
            self.err("%s beyond 64 bits" % what, start)
        self.p = p
        return v

    def zz64(self, what):
        v = self.varint(what)
        return (v >> 1) ^ -(v & 1)

    def sized(self, k, what):
        if self.p + k > self.n:
            self.err("stream ends inside a %s" % what)
        b = self.d[self.p:self.p + k]
        self.p += k
        return b

    def value(self, t, name):
        """Decode one value of type t, feed its CRC bytes, return the stored value."""
        k = t[0]
        at = self.p
        if k in STRINGS:
            return self.string(t, k, name, at)
        if k in INTS:
            v = self.zz64(k)
            bits = INTS[k]
            if not -(1 << bits) <= v < (1 << bits):
                self.err("column %s: %d out of range for %s" % (name, v, k), at)
            self.crcbuf += struct.pack("<q", v)
            return v
        if k == "BOOLEAN":
            v = self.varint("BOOLEAN")
            if v > 1:
                self.err("column %s: BOOLEAN value %d (only 0 or 1)" % (name, v), at)
            self.crcbuf.append(v)
            return v
        if k == "DOUBLE":
            b = self.sized(8, "DOUBLE")
            self.crcbuf += b
            return struct.unpack("<d", b)[0]
        if k == "FLOAT":
            b = self.sized(4, "FLOAT")
            self.crcbuf += b
            return struct.unpack("<f", b)[0]
        if k == "DATETIME":
            v = self.zz64("DATETIME")
            days, ms = divmod(v, 86400000)
            if not MIN_DAYS <= days <= MAX_DAYS:
                self.err("column %s: DATETIME %d ms outside years 1..9999" % (name, v), at)
            self.crcbuf += struct.pack("<q", v)
            s, ms = divmod(ms, 1000)
            return "%s %02d:%02d:%02d.%03d" % (day_text(days), s // 3600, s // 60 % 60, s % 60, ms)
        if k == "DATE":
            v = self.zz64("DATE")
            if not MIN_DAYS <= v <= MAX_DAYS:
                self.err("column %s: DATE %d days outside years 1..9999" % (name, v), at)
            self.crcbuf += struct.pack("<q", v)
            return day_text(v)
        if k == "INTERVAL_YEAR_MONTH":
            v = self.zz64(k)
            self.crcbuf += struct.pack("<q", v)
            return v
        if k in ("TIMESTAMP", "TIMESTAMP_NTZ", "INTERVAL_DAY_TIME"):
            s = self.zz64(k + " seconds")
            nv = self.varint(k + " nanoseconds")
            if nv >> 32:
                self.err("column %s: nanoseconds beyond 32 bits" % name, at)
            ns = (nv >> 1) ^ -(nv & 1)
            if not 0 <= ns <= 999999999:
                self.err("column %s: nanoseconds %d outside 0..999999999" % (name, ns), at)
            self.crcbuf += struct.pack("<qi", s, ns)
            if k == "INTERVAL_DAY_TIME":
                return "%d.%09d" % (s, ns)
            days, sec = divmod(s, 86400)
            if not MIN_DAYS <= days <= MAX_DAYS:
                self.err("column %s: %s outside years 1..9999" % (name, k), at)
            return "%s %02d:%02d:%02d.%09d" % (day_text(days), sec // 3600, sec // 60 % 60,
                                               sec % 60, ns)
        if k == "ARRAY":
            return json.dumps(self.array(t[1], name))
        if k == "MAP":
            keys = self.array(t[1], name)
            vals = self.array(t[2], name)
            if len(keys) != len(vals):
                self.err("column %s: MAP with %d keys and %d values" % (name, len(keys), len(vals)), at)
            return json.dumps([[a, b] for a, b in zip(keys, vals)])
        if k == "STRUCT":
            out = {}
            for fname, ft in t[1]:
                out[fname] = self.nested(ft, name)
            return json.dumps(out)
        self.err("column %s: unsupported type %s" % (name, k), at)

    def string(self, t, k, name, at):
        ln = self.varint(LEN_WHAT[k])
        if ln > self.max_field:
            self.err("column %s: %d bytes, more than MaxFieldSize %d" % (name, ln, self.max_field), at)
        b = self.sized(ln, k)
        self.crcbuf += b
        if k == "BINARY":
            return bytes(b)
        try:
            s = b.decode("utf-8")
        except UnicodeDecodeError as e:
            self.err("column %s: %s is not UTF-8 (byte %d of the value)" % (name, k, e.start), at)
        if k in ("CHAR", "VARCHAR") and len(s) > t[1]:
            self.err("column %s: %d characters, more than %s(%d)" % (name, len(s), k, t[1]), at)
        if k == "JSON":
            try:
                json.loads(s)
            except ValueError:
                self.err("column %s: not JSON text" % name, at)
        if k == "DECIMAL":
            if not DECIMAL_RE.match(s):
                self.err("column %s: DECIMAL text %r is not a plain decimal" % (name, s[:40]), at)
            ip, _, fp = s.lstrip("-").partition(".")
            if len(fp) > t[2] or len(ip.lstrip("0")) > t[1] - t[2]:
                self.err("column %s: %s does not fit DECIMAL(%d,%d)" % (name, s, t[1], t[2]), at)
        return s

    def nested(self, t, name):
        at = self.p
        flag = self.varint("null flag")
        if flag > 1:
            self.err("column %s: null flag %d (only 0 or 1)" % (name, flag), at)
        if flag:
            return None
        v = self.value(t, name)
        if t[0] == "BINARY":
            return v.hex()
        if t[0] in ("ARRAY", "MAP", "STRUCT"):
            return json.loads(v)
        return v

    def array(self, t, name):
        cnt = self.varint("element count")
        if cnt > self.n - self.p:
            self.err("column %s: %d elements, more than the bytes left" % (name, cnt))
        return [self.nested(t, name) for _ in range(cnt)]

    def decode(self):
        """Return the list of rows (lists of stored values, None for NULL)."""
        rows = []
        cols = self.cols
        ncol = len(cols)
        row = [None] * ncol
        last = 0
        stream = bytearray()
        # per column: its name, type, wire type, and the field number's CRC bytes
        plan = [(c[0], c[1], wire_type(c[1]), struct.pack("<i", i + 1)) for i, c in enumerate(cols)]
        value = self.value
        notnull = [(i, c[0]) for i, c in enumerate(cols) if not c[2]]
        d = self.d
        end_tag = _varint(END_RECORD << 3)  # the one minimal encoding of the tag
        while True:
            if self.p >= self.n:
                self.err("stream ends without its footer (count and checksum)")
            at = self.p
            if d.startswith(end_tag, at):
                self.p = at + len(end_tag)
                field, wt = END_RECORD, 0
            else:
                tag = self.varint("tag")
                field, wt = tag >> 3, tag & 7
            if field == END_RECORD:
                if wt != 0:
                    self.err("end-of-record tag with wire type %d" % wt, at)
                cat = self.p
                c = self.varint("record checksum")
                if c >> 32:
                    self.err("record checksum beyond 32 bits", cat)
                want = crc32c(self.crcbuf)
                if c != want:
                    self.err("record checksum %08x, the record's bytes give %08x" % (c, want), cat,
                             "CorruptedDataStream")
                for i, cname in notnull:
                    if row[i] is None:
                        self.err("column %s is NOT NULL but the record has no value" % cname, at)
                stream += struct.pack("<I", c)
                rows.append(row)
                self.rec += 1
                row = [None] * ncol
                last = 0
                self.crcbuf = bytearray()
                continue
            if field == META_COUNT:
                if wt != 0:
                    self.err("count tag with wire type %d" % wt, at)
                if last:
                    self.err("record without its end marker before the footer", at)
                cat = self.p
                cnt = self.zz64("record count")
                if cnt != len(rows):
                    self.err("footer counts %d records, the stream holds %d" % (cnt, len(rows)), cat)
                at = self.p
                tag = self.varint("tag")
                if tag != META_CHECKSUM << 3:
                    self.err("footer count not followed by the stream checksum tag", at)
                cat = self.p
                c = self.varint("stream checksum")
                want = crc32c(stream)
                if c != want:
                    self.err("stream checksum %x, the records give %08x" % (c, want), cat,
                             "CorruptedDataStream")
                if self.p != self.n:
                    self.err("%d bytes after the footer" % (self.n - self.p))
                return rows
            if field == 0:
                self.err("field number 0", at)
            if field > ncol:
                self.err("field number %d, the table has %d columns" % (field, ncol), at)
            if field <= last:
                self.err("field %d after field %d (fields go in column order, once each)" % (field, last), at)
            name, t, want, fb = plan[field - 1]
            if wt != want:
                self.err("column %s (%s): wire type %d, expected %d" % (name, type_str(t), wt, want), at)
            self.crcbuf += fb
            row[field - 1] = value(t, name)
            last = field


def decode(data, columns, max_field=MAX_FIELD_SIZE):
    return Decoder(data, columns, max_field).decode()


# --- encoding (for the tests) ---
def _varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _zz(v):
    return _varint(((v << 1) ^ (v >> 63)) & 0xFFFFFFFFFFFFFFFF)


def _enc(t, v):
    """-> (wire bytes, crc bytes). Values: ints; floats; str; bytes; DECIMAL str;
    DATETIME int ms; DATE int days; TIMESTAMP (seconds, nanos); lists; MAP as
    list of (k, v); STRUCT as list of values."""
    k = t[0]
    if k in INTS or k in ("DATETIME", "DATE", "INTERVAL_YEAR_MONTH"):
        return _zz(v), struct.pack("<q", v)
    if k == "BOOLEAN":
        return _varint(int(v)), bytes([int(v)])
    if k == "DOUBLE":
        b = struct.pack("<d", v)
        return b, b
    if k == "FLOAT":
        b = struct.pack("<f", v)
        return b, b
    if k in ("TIMESTAMP", "TIMESTAMP_NTZ", "INTERVAL_DAY_TIME"):
        s, ns = v
        return _zz(s) + _varint(((ns << 1) ^ (ns >> 31)) & 0xFFFFFFFF), struct.pack("<qi", s, ns)
    if k in ("STRING", "CHAR", "VARCHAR", "JSON", "DECIMAL", "BINARY"):
        b = v.encode("utf-8") if isinstance(v, str) else bytes(v)
        return _varint(len(b)) + b, b
    if k == "ARRAY":
        return _enc_list(t[1], v)
    if k == "MAP":
        a, ac = _enc_list(t[1], [kv[0] for kv in v])
        b, bc = _enc_list(t[2], [kv[1] for kv in v])
        return a + b, ac + bc
    if k == "STRUCT":
        w, c = bytearray(), bytearray()
        for (_f, ft), fv in zip(t[1], v):
            if fv is None:
                w += b"\x01"
            else:
                ew, ec = _enc(ft, fv)
                w += b"\x00" + ew
                c += ec
        return bytes(w), bytes(c)
    raise ValueError("cannot encode %s" % k)


def _enc_list(t, vals):
    w, c = bytearray(_varint(len(vals))), bytearray()
    for fv in vals:
        if fv is None:
            w += b"\x01"
        else:
            ew, ec = _enc(t, fv)
            w += b"\x00" + ew
            c += ec
    return bytes(w), bytes(c)


def encode(types, rows):
    """types: [type tuple]; rows: lists of values (None = NULL)."""
    out = bytearray()
    stream = bytearray()
    for row in rows:
        crc = bytearray()
        for i, v in enumerate(row):
            if v is None:
                continue
            f = i + 1
            out += _varint(f << 3 | wire_type(types[i]))
            w, c = _enc(types[i], v)
            crc += struct.pack("<i", f) + c
            out += w
        rc = crc32c(crc)
        out += _varint(END_RECORD << 3) + _varint(rc)
        stream += struct.pack("<I", rc)
    out += _varint(META_COUNT << 3) + _zz(len(rows))
    out += _varint(META_CHECKSUM << 3) + _varint(crc32c(stream))
    return bytes(out)
