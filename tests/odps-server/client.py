#!/usr/bin/env python3
"""A small MaxCompute client for the tests of the local server (signing re-implemented
from the spec, §4.2, in odpssign.py).

  client.py --endpoint=URL [--credentials=FILE] --project=P [--tunnel=HOST:PORT] CMD ARGS...
CMD:
  sign-examples             print the Authorization of the spec's worked examples 1-3 and of
                            example 3 signed v4 (checked by the test against §4.2 and §4.2b)
  discover                  print the tunnel endpoint the service names
  create TABLE [k=v...]     create an upload session (k=v: extra query parameters, e.g.
                            partition=ds=1 create_partition=true overwrite=true); print its id
  put TABLE ID BLOCK FILE [k=v...] [enc=deflate|zstd] [hex=1]
                            PUT FILE (hex text with hex=1) as block BLOCK, compressed with enc
  status TABLE ID [k=v...]  print the session JSON
  commit TABLE ID [k=v...]  commit; print the session JSON
  flips TABLE ID HEXFILE    PUT every one-byte change of the block (each byte xor 01, 80, ff and
                            set to 00, 01, 80, ff); print how many the server accepted
  bad-stream CASE|list      print (hex) a block for table tc (see TC) that breaks one rule of §5.5/§9
  sql QUERY                 submit a SQL instance, wait, print the task result; exit 1 when failed
  raw METHOD PATH [k=v...] [H:name=value...] [body=FILE] [date=TEXT] [sign=bad|none|v4]
                            one request as given (PATH relative to the service endpoint with
                            prefix api:/..., else to the tunnel)
Every answer prints "HTTP <status> <Code or ->" on stderr; a non-2xx answer exits 1, a dropped
connection exits 3. Credentials: --credentials=FILE (access_id=, access_key=) or the
environment (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET).
"""
import email.utils
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import zlib
from urllib.parse import quote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odpssign  # noqa: E402


class Dropped(Exception):
    pass


class Failed(Exception):
    def __init__(self, status, body):
        Exception.__init__(self, "HTTP %d" % status)
        self.status, self.body = status, body


class Client:
    def __init__(self, endpoint, access_id, secret, project, token=None):
        u = urlsplit(endpoint)
        self.host = u.netloc
        self.prefix = u.path.rstrip("/")
        self.id, self.secret, self.project, self.token = access_id, secret, project, token
        self.tunnel = None
        self.conns = {}

    def conn(self, host):
        c = self.conns.get(host)
        if c is None:
            c = self.conns[host] = http.client.HTTPConnection(host, timeout=60)
            try:
                c.connect()
            except OSError as e:
                del self.conns[host]
                raise Dropped(str(e))
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    def request(self, method, host, prefix, path, params, headers=(), body=None, chunked=False,
                date=None, sign="v2"):
        """path: resource path (unencoded segments joined by /); params: [(k, v)]."""
        params = list(params)
        if not any(k == "curr_project" for k, _ in params):
            params.append(("curr_project", self.project))
        enc_path = "/".join(quote(s, safe="") for s in path.split("/"))
        q = "&".join(quote(k, safe="") if v == "" else quote(k, safe="") + "=" + quote(v, safe="")
                     for k, v in params)
        url = prefix + enc_path + ("?" + q if q else "")
        hdrs = [("Date", date or email.utils.formatdate(time.time(), usegmt=True)),
                ("x-odps-user-agent", "odps-server-test/1")] + list(headers)
        if self.token:
            hdrs.append(("authorization-sts-token", self.token))
        if body is None:
            hdrs.append(("Content-Length", "0"))
        elif chunked:
            hdrs.append(("Transfer-Encoding", "chunked"))
        else:
            hdrs.append(("Content-Length", str(len(body))))
        s2s = odpssign.string_to_sign(method, enc_path, params, [h for h in hdrs if h[0] != "Date"] +
                                      [h for h in hdrs if h[0] == "Date"])
        if sign == "v2":
            hdrs.append(("Authorization", "ODPS %s:%s" % (self.id, odpssign.sign_v2(self.secret, s2s))))
        elif sign == "v4":
            day = time.strftime("%Y%m%d", time.gmtime())
            hdrs.append(("Authorization", "ODPS %s/%s/local/odps/aliyun_v4_request:%s" % (
                self.id, day, odpssign.sign_v4(self.secret, day, "local", s2s))))
        elif sign == "bad":
            hdrs.append(("Authorization", "ODPS %s:%s" % (self.id, odpssign.sign_v2(self.secret + "x", s2s))))
        c = self.conn(host)
        try:
            c.putrequest(method, url, skip_host=False, skip_accept_encoding=True)
            for k, v in hdrs:
                c.putheader(k, v)
            c.endheaders()
            try:
                if body is not None:
                    if chunked:
                        for i in range(0, max(len(body), 1), 1 << 16):
                            part = body[i:i + (1 << 16)]
                            if part:
                                c.send(b"%x\r\n" % len(part) + part + b"\r\n")
                        c.send(b"0\r\n\r\n")
                    else:
                        c.send(body)
            except OSError:
                pass    # the server may answer before it read the body: read its answer
            r = c.getresponse()
            data = r.read()
        except (http.client.HTTPException, OSError) as e:
            c.close()
            del self.conns[host]
            raise Dropped(str(e))
        if r.getheader("Connection", "").lower() == "close":
            c.close()
            del self.conns[host]
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def service(self, method, path, params, **kw):
        return self.request(method, self.host, self.prefix, path, params, **kw)

    def discover(self):
        if self.tunnel is None:
            st, _h, body = self.service("GET", "/projects/%s/tunnel" % self.project, [("service", "")])
            if st != 200:
                raise Failed(st, body)
            self.tunnel = body.decode().strip()
        return self.tunnel

    def tunnel_req(self, method, table, params, headers=(), **kw):
        h = [("x-odps-tunnel-version", "6"), ("odps-tunnel-date-transform", "v1")] + list(headers)
        return self.request(method, self.discover(), "", "/projects/%s/tables/%s" % (self.project, table),
                            params, headers=h, **kw)


def code_of(status, body):
    try:
        return json.loads(body)["Code"]
    except Exception:
        m = re.search(rb"<Code>([^<]*)</Code>", body)
        return m.group(1).decode() if m else "-"


def report(status, body):
    ok = 200 <= status < 300
    sys.stderr.write("HTTP %d %s\n" % (status, "-" if ok else code_of(status, body)))
    if not ok:
        sys.stderr.write(body.decode(errors="replace")[:2000] + "\n")
    return 0 if ok else 1


def kv(args):
    out = []
    for a in args:
        k, _, v = a.partition("=")
        out.append((k, v))
    return out


def compress(data, enc):
    if enc == "deflate":
        return zlib.compress(data, 1)
    if enc == "zstd":
        return subprocess.run(["zstd", "-1", "-c", "-q"], input=data, capture_output=True, check=True).stdout
    return data


def creds(opts):
    path = opts.get("credentials")
    if path:
        d = {}
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    d[k.strip()] = v.strip()
        return d.get("access_id"), d.get("access_key"), d.get("security_token")
    return (os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN"))


def sign_examples():
    aid, sec = "LTAI5tExampleAccessId", "ExampleSecretKey0123456789abcdef"
    date = "Tue, 02 Jan 2024 03:04:05 GMT"
    ua = ("x-odps-user-agent", "mc-tunnel-put/0.1")
    ex = [("PUT", "/projects/my_proj/tables/my_table",
           "uploadid=202401020304051a2b3c0b0c0d0e0f&blockid=0&partition=ds%3D20240101%2Chh%3D03&curr_project=my_proj",
           [("Content-Type", "application/octet-stream"), ("Transfer-Encoding", "chunked"),
            ("Content-Encoding", "deflate"), ("Date", date), ("x-odps-tunnel-version", "6"), ua]),
          ("POST", "/projects/my_proj/tables/my_table",
           "uploads&partition=ds%3D20240101%2Chh%3D03&curr_project=my_proj",
           [("Content-Length", "0"), ("Date", date), ("x-odps-tunnel-version", "6"), ua]),
          ("GET", "/projects/my_proj/tunnel", "service&curr_project=my_proj", [("Date", date), ua])]
    for i, (m, path, q, h) in enumerate(ex):
        print("example %d: ODPS %s:%s" % (i + 1, aid, odpssign.sign_v2(
            sec, odpssign.string_to_sign(m, path, odpssign.parse_query(q), h))))
        if i == 0:
            print("example 1 string-to-sign hex: %s" % odpssign.string_to_sign(
                m, path, odpssign.parse_query(q), h).encode().hex())
    m, path, q, h = ex[2]
    print("example 3 v4: ODPS %s/20240102/cn-hangzhou/odps/aliyun_v4_request:%s" % (aid, odpssign.sign_v4(
        sec, "20240102", "cn-hangzhou", odpssign.string_to_sign(m, path, odpssign.parse_query(q), h))))


# bad-stream: blocks for table tc (id BIGINT, b BOOLEAN, a ARRAY<BIGINT>, s VARCHAR(3),
# d DECIMAL(5,2), n BIGINT NOT NULL), each breaking one rule with every checksum right
# (unless the rule is the checksum)
TC = "id BIGINT, b BOOLEAN, a ARRAY<BIGINT>, s VARCHAR(3), d DECIMAL(5,2), n BIGINT NOT NULL"


def _rec(fields, crc_delta=0):
    """fields: [(field, wire type, wire bytes, crc bytes)] -> (record bytes, record crc)."""
    import struct
    import recstream as r
    w, c = bytearray(), bytearray()
    for f, wt, wb, cb in fields:
        w += r._varint(f << 3 | wt) + wb
        c += struct.pack("<i", f) + cb
    crc = (r.crc32c(c) + crc_delta) & 0xFFFFFFFF
    return bytes(w) + r._varint(r.END_RECORD << 3) + r._varint(crc), crc


def _stream(recs, count=None, crc_delta=0, footer=True, tail=b""):
    import struct
    import recstream as r
    out, s = bytearray(), bytearray()
    for b, crc in recs:
        out += b
        s += struct.pack("<I", crc)
    if footer:
        out += r._varint(r.META_COUNT << 3) + r._zz(len(recs) if count is None else count)
        out += r._varint(r.META_CHECKSUM << 3) + r._varint((r.crc32c(s) + crc_delta) & 0xFFFFFFFF)
    return bytes(out) + tail


def bad_stream(case):
    import struct
    i64 = lambda v: struct.pack("<q", v)  # noqa: E731
    n = (6, 0, b"\x0e", i64(7))                      # n = 7
    ok1 = [(1, 0, b"\x02", i64(1)), n]                 # id = 1, n = 7
    cases = {
        "good": lambda: _stream([_rec(ok1)]),
        "nonminimal-varint": lambda: _stream([_rec([(1, 0, b"\x82\x00", i64(1)), n])]),
        "wire-type": lambda: _stream([_rec([(1, 2, b"\x01\x02", b"\x02"), n])]),
        "field-0": lambda: _stream([_rec([(0, 0, b"\x02", b""), n])]),
        "unknown-field": lambda: _stream([_rec([(7, 0, b"\x02", i64(1)), n])]),
        "field-order": lambda: _stream([_rec([(2, 0, b"\x01", b"\x01"), (1, 0, b"\x02", i64(1)), n])]),
        "record-crc": lambda: _stream([_rec(ok1, crc_delta=1)]),
        "count": lambda: _stream([_rec(ok1)], count=2),
        "stream-crc": lambda: _stream([_rec(ok1)], crc_delta=1),
        "no-footer": lambda: _stream([_rec(ok1)], footer=False),
        "no-end-marker": lambda: bytes.fromhex("0802300e" "f0ffff7f00f8ffff7f00"),
        "after-footer": lambda: _stream([_rec(ok1)], tail=b"\x00"),
        "boolean-2": lambda: _stream([_rec([(2, 0, b"\x02", b"\x02"), n])]),
        "null-flag-2": lambda: _stream([_rec([(3, 2, b"\x01\x02", b""), n])]),
        "varchar-length": lambda: _stream([_rec([(4, 2, b"\x04abcd", b"abcd"), n])]),
        "not-utf8": lambda: _stream([_rec([(4, 2, b"\x01\xff", b"\xff"), n])]),
        "decimal-scale": lambda: _stream([_rec([(5, 2, b"\x051.234", b"1.234"), n])]),
        "decimal-exponent": lambda: _stream([_rec([(5, 2, b"\x041E+2", b"1E+2"), n])]),
        "not-null": lambda: _stream([_rec([(1, 0, b"\x02", i64(1))])]),
        "truncated": lambda: _stream([_rec(ok1)])[:5],
    }
    if case == "list":
        return "\n".join(cases)
    return cases[case]().hex()


def main(argv):
    opts = {}
    while argv and argv[0].startswith("--"):
        k, _, v = argv.pop(0)[2:].partition("=")
        opts[k] = v
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "sign-examples":
        sign_examples()
        return 0
    if cmd == "bad-stream":
        print(bad_stream(args[0]))
        return 0
    aid, sec, tok = creds(opts)
    c = Client(opts["endpoint"], aid, sec, opts["project"], tok)
    if opts.get("tunnel"):
        c.tunnel = opts["tunnel"]
    try:
        if cmd == "discover":
            print(c.discover())
            return 0
        if cmd == "create":
            st, _h, body = c.tunnel_req("POST", args[0], [("uploads", "")] + kv(args[1:]))
            if st // 100 == 2:
                print(json.loads(body)["UploadID"])
            return report(st, body)
        if cmd in ("status", "commit"):
            st, _h, body = c.tunnel_req("GET" if cmd == "status" else "POST", args[0],
                                        [("uploadid", args[1])] + kv(args[2:]))
            if st // 100 == 2:
                print(body.decode())
            return report(st, body)
        if cmd == "put":
            extra = dict(kv(args[4:]))
            enc = extra.pop("enc", None)
            with open(args[3], "rb") as f:
                data = f.read()
            if extra.pop("hex", None):
                data = bytes.fromhex(data.decode().strip())
            h = [("Content-Type", "application/octet-stream")]
            if enc:
                h.append(("Content-Encoding", enc))
                data = compress(data, enc)
            st, _h, body = c.tunnel_req("PUT", args[0], [("uploadid", args[1]), ("blockid", args[2])] +
                                        list(extra.items()), headers=h, body=data, chunked=True)
            return report(st, body)
        if cmd == "flips":
            with open(args[2]) as f:
                data = bytes.fromhex(f.read().strip())
            extra = kv(args[3:])
            acc, total = [], 0
            for i in range(len(data)):
                for nb in sorted({data[i] ^ 1, data[i] ^ 0x80, data[i] ^ 0xFF, 0, 1, 0x80, 0xFF} - {data[i]}):
                    w = bytearray(data)
                    w[i] = nb
                    total += 1
                    st, _h, body = c.tunnel_req("PUT", args[0], [("uploadid", args[1]), ("blockid", "7")] + extra,
                                                headers=[("Content-Type", "application/octet-stream")],
                                                body=bytes(w), chunked=True)
                    if st // 100 == 2:
                        acc.append("%d:%02x" % (i, nb))
                    elif code_of(st, body) not in ("MalformedDataStream", "CorruptedDataStream"):
                        print("unexpected answer %d %s at %d:%02x" % (st, code_of(st, body), i, nb))
                        return 1
            print("%d of %d accepted %s" % (len(acc), total, " ".join(acc)))
            return 0
        if cmd == "sql":
            xml = ('<?xml version="1.0" encoding="utf-8"?>\n<Instance><Job><Priority>9</Priority><Tasks><SQL>'
                   '<Name>AnonymousSQLTask</Name><Config><Property><Name>settings</Name><Value>'
                   '{"odps.sql.type.system.odps2": "true", "odps.sql.allow.fullscan": "true"}'
                   '</Value></Property><Property><Name>uuid</Name>'
                   '<Value>6ba73111-bc77-402c-97f0-3b67654ff324</Value></Property></Config><Query><![CDATA[%s]]>'
                   '</Query></SQL></Tasks><DAG><RunMode>Sequence</RunMode></DAG></Job></Instance>'
                   % args[0].replace("]]>", "]]]]><![CDATA[>"))
            st, h, body = c.service("POST", "/projects/%s/instances" % c.project, [],
                                    headers=[("Content-Type", "application/xml")], body=xml.encode())
            if st // 100 != 2:
                return report(st, body)
            iid = h["location"].rsplit("/", 1)[1]
            path = "/projects/%s/instances/%s" % (c.project, iid)
            for _ in range(600):
                st, h, body = c.service("GET", path, [])
                if st != 200:
                    return report(st, body)
                if b"<Status>Terminated</Status>" in body:
                    break
                time.sleep(0.05)
            st, h, body = c.service("GET", path, [("taskstatus", "")])
            ok = b"<Status>Success</Status>" in body
            st, h, body = c.service("GET", path, [("result", "")])
            m = re.search(rb"<Result[^>]*>(.*)</Result>", body, re.S)
            import html
            text = html.unescape(m.group(1).decode()) if m else ""
            sys.stdout.write(text)
            if not ok:
                sys.stderr.write("task failed: %s\n" % text)
            return 0 if ok else 1
        if cmd == "raw":
            method, path = args[0], args[1]
            params, hdrs, body, date, sign = [], [], None, None, "v2"
            for a in args[2:]:
                if a.startswith("H:"):
                    k, _, v = a[2:].partition("=")
                    hdrs.append((k, v))
                elif a.startswith("body="):
                    with open(a[5:], "rb") as f:
                        body = f.read()
                elif a.startswith("date="):
                    date = a[5:]
                elif a.startswith("sign="):
                    sign = a[5:]
                else:
                    params += kv([a])
            chunked = any(k.lower() == "transfer-encoding" for k, _ in hdrs)
            hdrs = [h for h in hdrs if h[0].lower() != "transfer-encoding"]
            if path.startswith("api:"):
                host, prefix, path = c.host, c.prefix, path[4:]
            else:
                host, prefix = c.discover(), ""
            st, _h, rbody = c.request(method, host, prefix, path, params, headers=hdrs, body=body,
                                      chunked=chunked, date=date, sign=sign)
            sys.stdout.write(rbody.decode(errors="replace") + "\n")
            return report(st, rbody)
    except Failed as e:
        return report(e.status, e.body)
    except Dropped as e:
        sys.stderr.write("dropped: %s\n" % e)
        return 3
    sys.stderr.write("client.py: unknown command %s\n" % cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
