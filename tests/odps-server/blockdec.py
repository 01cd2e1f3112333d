"""The C block decoder (blockdec.c, built by make as $(O)/tools/odps-blockdec.so),
loaded with ctypes when the server is told where it is (--block-decoder=FILE).

decode(data, columns, max_field) -> (record count, the rows in marshal format),
or raises recstream.StreamError exactly as recstream.decode would; None when the
table has a type the C decoder leaves to Python (JSON, ARRAY, MAP, STRUCT).
marshal.loads of the bytes gives the rows recstream.decode returns
(tests/t7033-odps-blockdec.sh checks the two against each other).

inflate(raw, encoding, limit) -> the decompressed block (blockinf.c: deflate
with zlib, zstd with libzstd, in process), or raises InflateError(status, msg)
as server.py's reference (Python's zlib, the zstd command) would refuse it.

check(data, columns, max_field) -> the record count: decode's checks and
outcome without the rows (the server at PUT; the stored block is decoded at
the table's first read, committed.py), or None as decode.

(check and inflate_check take a bytearray too, read in place.)
inflate_check(raw, encoding, limit, columns, max_field, timer) -> inflate, then
check, the decompressed block kept in C memory (never copied into Python);
timer(step) is called after each step (the server's CPU by step).

decoder(path): the BlockDecoder of the library at path, loaded once.

ctypes releases the GIL for the call, so blocks PUT on several connections
are decoded on several cores at once.
"""
import ctypes
import re
import threading

import recstream

NAME_OK = re.compile(r"[A-Za-z0-9_]{1,128}\Z")

KINDS = {"BIGINT", "INT", "SMALLINT", "TINYINT", "BOOLEAN", "DOUBLE", "FLOAT", "STRING", "BINARY",
         "CHAR", "VARCHAR", "DECIMAL", "DATETIME", "DATE", "TIMESTAMP", "TIMESTAMP_NTZ",
         "INTERVAL_DAY_TIME", "INTERVAL_YEAR_MONTH"}
CODES = {1: "MalformedDataStream", 2: "CorruptedDataStream"}
ENCODINGS = {"deflate": 1, "zstd": 2}


def _buf(b):
    """bytes, or a bytearray's memory (not copied) for a char * argument"""
    return (ctypes.c_char * len(b)).from_buffer(b) if isinstance(b, bytearray) else b


_loaded = {}
_loaded_lock = threading.Lock()


def decoder(path):
    with _loaded_lock:
        d = _loaded.get(path)
        if d is None:
            d = _loaded[path] = BlockDecoder(path)
        return d


class InflateError(Exception):
    def __init__(self, status, msg):
        Exception.__init__(self, msg)
        self.status = status
        self.msg = msg


class BlockDecoder:
    def __init__(self, path):
        lib = ctypes.CDLL(path)
        f = lib.bd_decode
        f.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_uint64,
                      ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t),
                      ctypes.POINTER(ctypes.c_uint64), ctypes.c_char_p, ctypes.c_size_t]
        f.restype = ctypes.c_int
        c = lib.bd_check
        c.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_uint64,
                      ctypes.POINTER(ctypes.c_uint64), ctypes.c_char_p, ctypes.c_size_t]
        c.restype = ctypes.c_int
        lib.bd_free.argtypes = [ctypes.c_void_p]
        lib.bd_free.restype = None
        g = lib.bd_inflate
        g.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_uint64,
                      ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t),
                      ctypes.c_char_p, ctypes.c_size_t]
        g.restype = ctypes.c_int
        lib.bd_crc32c.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        lib.bd_crc32c.restype = ctypes.c_uint32
        if lib.bd_crc32c(b"123456789", 9) != 0xE3069283:
            raise ImportError("%s: its CRC32C is wrong" % path)
        self.lib = lib
        self.path = path
        self._schemas = {}

    def schema(self, columns):
        """The schema text of blockdec.c for columns [(name, type, nullable)], or None."""
        key = tuple((c[0], recstream.type_str(c[1]), c[2]) for c in columns)
        s = self._schemas.get(key, False)
        if s is not False:
            return s
        lines = []
        for name, t, nullable in columns:
            k = t[0]
            if k not in KINDS or not NAME_OK.match(name):
                lines = None
                break
            a, b = (t[1], t[2]) if k == "DECIMAL" else (t[1], 0) if k in ("CHAR", "VARCHAR") else (0, 0)
            lines.append("%s %s %d %d %d" % (name, k, a, b, 1 if nullable else 0))
        s = "\n".join(lines).encode() if lines else None
        self._schemas[key] = s
        return s

    def decode(self, data, columns, max_field=recstream.MAX_FIELD_SIZE):
        schema = self.schema(columns)
        if schema is None:
            return None
        return self.decode_schema(data, schema, max_field)

    def check(self, data, columns, max_field=recstream.MAX_FIELD_SIZE):
        schema = self.schema(columns)
        if schema is None:
            return None
        nrows = ctypes.c_uint64()
        err = ctypes.create_string_buffer(1024)
        rc = self.lib.bd_check(_buf(data), len(data), schema, max_field, ctypes.byref(nrows), err, len(err))
        if rc == 0:
            return nrows.value
        if rc in CODES:
            raise recstream.StreamError(CODES[rc], err.value.decode("utf-8", "replace"))
        if rc == 3:
            return None
        raise MemoryError("blockdec: %s" % err.value.decode("utf-8", "replace"))

    def inflate_check(self, raw, enc, limit, columns, max_field=recstream.MAX_FIELD_SIZE, timer=None):
        schema = self.schema(columns)
        if schema is None:
            return None
        out = ctypes.c_void_p()
        outlen = ctypes.c_size_t()
        err = ctypes.create_string_buffer(1024)
        rc = self.lib.bd_inflate(_buf(raw), len(raw), ENCODINGS[enc], limit, ctypes.byref(out),
                                 ctypes.byref(outlen), err, len(err))
        try:
            if timer:
                timer("inflate")
            if rc != 0:
                self._inflate_err(rc, err)
            nrows = ctypes.c_uint64()
            rc = self.lib.bd_check(ctypes.cast(out, ctypes.c_char_p) if outlen.value else b"", outlen.value,
                                   schema, max_field, ctypes.byref(nrows), err, len(err))
            if timer:
                timer("decode")
        finally:
            self.lib.bd_free(out)
        if rc == 0:
            return nrows.value
        if rc in CODES:
            raise recstream.StreamError(CODES[rc], err.value.decode("utf-8", "replace"))
        raise MemoryError("blockdec: %s" % err.value.decode("utf-8", "replace"))

    def decode_schema(self, data, schema, max_field=recstream.MAX_FIELD_SIZE):
        """decode, the columns given as the schema text of schema()"""
        out = ctypes.c_void_p()
        outlen = ctypes.c_size_t()
        nrows = ctypes.c_uint64()
        err = ctypes.create_string_buffer(1024)
        rc = self.lib.bd_decode(data, len(data), schema, max_field, ctypes.byref(out), ctypes.byref(outlen),
                                ctypes.byref(nrows), err, len(err))
        if rc == 0:
            try:
                return nrows.value, ctypes.string_at(out.value, outlen.value)
            finally:
                self.lib.bd_free(out)
        if rc in CODES:
            raise recstream.StreamError(CODES[rc], err.value.decode("utf-8", "replace"))
        if rc == 3:
            return None
        raise MemoryError("blockdec: %s" % err.value.decode("utf-8", "replace"))

    def inflate(self, raw, enc, limit):
        out = ctypes.c_void_p()
        outlen = ctypes.c_size_t()
        err = ctypes.create_string_buffer(1024)
        rc = self.lib.bd_inflate(raw, len(raw), ENCODINGS[enc], limit, ctypes.byref(out), ctypes.byref(outlen),
                                 err, len(err))
        if rc == 0:
            try:
                return ctypes.string_at(out.value, outlen.value) if outlen.value else b""
            finally:
                self.lib.bd_free(out)
        self._inflate_err(rc, err)

    @staticmethod
    def _inflate_err(rc, err):
        msg = err.value.decode("utf-8", "replace")
        if rc == 1:
            raise InflateError(400, msg)
        if rc == 6:
            raise InflateError(413, msg)
        raise MemoryError("blockinf: %s" % msg)
