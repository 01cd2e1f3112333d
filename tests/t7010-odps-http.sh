#!/bin/sh
# The HTTP layer of the MaxCompute destination (common/odps/http.c,
# httperr.c, client.c; docs/maxcompute.md "Endpoints", "Signing") against a
# tiny loopback server started here: keep-alive on one handle, status,
# headers and body, chunked and sized bodies, no unsigned header added by
# libcurl, the error formats of the protocol's §6.1 (JSON on the tunnel, XML
# on the service), transient errors (refused, timed out, 5xx) exit 3, TLS
# verified by default and --ca-file, the proxy variables, and tunnel
# endpoint discovery (§2.2) signed v2 (§4.2) and checked by the server with
# its own signer. The secret never appears in a message.
. "$(dirname "$0")/lib.sh"

REQ=$BIN/tools/odpsreq
SECRET=TestSecretNeverPrinted0123456789
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN

cat >"$T/srv.py" <<'PY'
import base64, hashlib, hmac, http.server, os, ssl, sys, time
from urllib.parse import urlsplit, unquote
log = open(sys.argv[2], "a", buffering=1)
SECRET = os.environ["SRV_SECRET"].encode()

def s2s(method, path, headers):
    # §4.2, written here independently of the C signer.
    u = urlsplit(path)
    res = unquote(u.path)
    if res.startswith("/api/"):
        res = res[4:]
    params = []
    if u.query:
        for kv in u.query.split("&"):
            k, _, v = kv.partition("=")
            params.append((unquote(k), unquote(v)))
    params.sort()
    if params:
        res += "?" + "&".join(k + ("=" + v if v else "") for k, v in params)
    h = {k.lower(): v for k, v in headers.items()}
    xs = sorted((k, v) for k, v in h.items() if k.startswith("x-odps-"))
    lines = [method, h.get("content-md5", ""), h.get("content-type", ""), h.get("date", "")]
    lines += [k + ":" + v for k, v in xs]
    lines.append(res)
    return "\n".join(lines)

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def body(self):
        if self.headers.get("Transfer-Encoding", "") == "chunked":
            out = b""
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))
    def send(self, code, body, ctype="text/plain", extra=()):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.send_header("x-odps-request-id", "rid-" + str(code))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b)
    def any(self):
        b = self.body() if self.command in ("PUT", "POST") else b""
        log.write("%s %s port=%d te=%s ctype=%s len=%d\n" % (self.command, self.path,
                  self.client_address[1], self.headers.get("Transfer-Encoding", "-"),
                  self.headers.get("Content-Type", "-"), len(b)))
        p = self.path
        if p.startswith("http://"):
            return self.send(200, "via proxy " + p)
        if p == "/echo":
            return self.send(200, "hello", extra=[("X-Test", "1")])
        if p == "/upload":
            return self.send(200, "len=%d md5=%s" % (len(b), hashlib.md5(b).hexdigest()))
        if p == "/json-error":
            return self.send(404, '{"Code": "NoSuchTable", "Message": "table \\"t1\\" not found", "RequestId": "r-json"}', "application/json")
        if p == "/xml-error":
            return self.send(400, '<?xml version="1.0"?><Error><Code>ODPS-0130131</Code><Message>Table not found - a &lt; b &amp; c</Message><RequestId>r-xml</RequestId></Error>', "application/xml")
        if p == "/busy":
            return self.send(503, '{"Code": "InternalServerError", "Message": "busy", "HoldClientMillis": "1500"}', "application/json")
        if p == "/slow":
            time.sleep(3)
            return self.send(200, "late")
        if p.startswith("/api/projects/p1/tunnel?"):
            want = "ODPS KeyId:" + base64.b64encode(hmac.new(SECRET, s2s(self.command, p, self.headers).encode(), hashlib.sha1).digest()).decode()
            if self.headers.get("Authorization") != want or not self.headers.get("Date"):
                return self.send(401, "<Error><Code>SignatureNotMatch</Code><Message>bad signature</Message></Error>", "application/xml")
            return self.send(200, "127.0.0.1:%d\n" % self.server.server_address[1])
        return self.send(404, '{"Code": "NoSuchObject", "Message": "no such path"}', "application/json")
    do_GET = do_PUT = do_POST = do_DELETE = any

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(sys.argv[1] + ".tmp", "w").write(str(srv.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
PY

start() { # PORTFILE LOG [CERT KEY]: sets PORT
	SRV_SECRET=$SECRET timeout -k 5 300 python3 "$T/srv.py" "$@" >/dev/null 2>>"$T/srv.err" &
	at_exit "kill $! 2>/dev/null"
	_i=0
	while [ ! -s "$1" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	PORT=$(cat "$1" 2>/dev/null)
}
start "$T/port" "$T/log"
P=$PORT
[ -n "$P" ] || { fail "server" "did not start: $(cat "$T/srv.err")"; exit 1; }
U=http://127.0.0.1:$P

# Keep-alive: three requests on one handle, one connection.
expect_ok "three GETs on one handle" "$REQ" --repeat=3 raw GET "$U/echo"
expect_eq "... each answered 200 with the body" "$(grep -c '^status 200$' "$T/out")/$(grep -c '^body hello$' "$T/out")" "3/3"
expect_grep "... a response header is read" "^header X-Test: 1$" "$T/out"
expect_eq "... over one connection (keep-alive)" "$(grep '^GET /echo ' "$T/log" | sed 's/.*port=\([0-9]*\).*/\1/' | sort -u | wc -l)" 1

# Bodies: sized and chunked; no Content-Type libcurl would add on its own
# (it is signed: an unsigned one would break the signature).
expect_ok "a POST with a sized body" "$REQ" raw POST "$U/upload" "abcdef"
expect_grep "... arrives whole" "^body len=6 md5=e80b5017098950fc58aad83c8c14978e$" "$T/out"
expect_grep "... without a Content-Type nobody signed" "^POST /upload .*te=- ctype=- len=6$" "$T/log"
expect_ok "a chunked PUT with a Content-Type" "$REQ" --chunked --header=Content-Type:application/octet-stream raw PUT "$U/upload" "abcdef"
expect_grep "... arrives whole" "^body len=6 md5=e80b5017098950fc58aad83c8c14978e$" "$T/out"
expect_grep "... chunked, with its Content-Type" "^PUT /upload .*te=chunked ctype=application/octet-stream len=6$" "$T/log"
expect_ok "an empty POST" "$REQ" raw POST "$U/upload"
expect_grep "... Content-Length 0, no Content-Type" "^POST /upload .*te=- ctype=- len=0$" "$T/log"

# §6.1 error formats; the exit a program would give.
expect_ok "a tunnel error (JSON)" "$REQ" raw GET "$U/json-error"
expect_grep "... code, message and request id; not retryable: exit 1" '^error request: HTTP 404 NoSuchTable: table "t1" not found \(request id r-json\) \(exit 1\)$' "$T/out"
expect_ok "a service error (XML)" "$REQ" raw GET "$U/xml-error"
expect_grep "... entities decoded, request id" '^error request: HTTP 400 ODPS-0130131: Table not found - a < b & c \(request id r-xml\) \(exit 1\)$' "$T/out"
expect_ok "a 503" "$REQ" raw GET "$U/busy"
expect_grep "... is transient: exit 3, request id from the header" '^error request: HTTP 503 InternalServerError: busy \(request id rid-503\) \(exit 3\)$' "$T/out"

# Transport errors.
expect_code 3 "a total timeout is transient (exit 3)" "$REQ" --timeout-ms=500 raw GET "$U/slow"
expect_grep "... naming the request and the reason" "^odpsreq: GET $U/slow: .*timed out.* \(curl error 28\)$" "$T/err"
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$T/free"
expect_code 3 "a refused connection is transient (exit 3)" "$REQ" raw GET "http://127.0.0.1:$(cat "$T/free")/echo"
expect_grep "... (curl error 7)" "\(curl error 7\)$" "$T/err"
expect_code 2 "an unknown host is a configuration error (exit 2)" "$REQ" --connect-timeout-ms=3000 raw GET "http://no-such-host.invalid/echo"
expect_code 2 "an unreadable --ca-file (exit 2)" "$REQ" --ca-file="$T/nope.pem" raw GET "$U/echo"

# Proxy variables (libcurl honours them; no option needed).
start "$T/port2" "$T/log2"
P2=$PORT
expect_ok "http_proxy is honoured" env http_proxy="http://127.0.0.1:$P2" "$REQ" raw GET "http://odps.example.invalid/echo"
expect_grep "... the request went through the proxy" "^body via proxy http://odps.example.invalid/echo$" "$T/out"
expect_ok "NO_PROXY is honoured" env http_proxy="http://127.0.0.1:$P2" NO_PROXY=127.0.0.1 "$REQ" raw GET "$U/echo"
expect_grep "... the request went direct" "^body hello$" "$T/out"

# TLS: verified by default; --ca-file trusts another CA.
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/ossl.err"; then
	start "$T/port3" "$T/log3" "$T/cert.pem" "$T/key.pem"
	P3=$PORT
	expect_code 1 "TLS: a certificate nobody trusts is refused (exit 1)" "$REQ" raw GET "https://127.0.0.1:$P3/echo"
	expect_grep "... saying so" "certificate" "$T/err"
	expect_ok "TLS: --ca-file trusts it" "$REQ" --ca-file="$T/cert.pem" raw GET "https://127.0.0.1:$P3/echo"
	expect_grep "... and the request is answered" "^body hello$" "$T/out"
else
	fail "openssl req" "$(cat "$T/ossl.err")"
fi

# Tunnel discovery, signed: the server checks the signature with its own
# signer and answers host:port; the tunnel endpoint takes the service's
# scheme and no /api.
expect_ok "discovery with the key in the environment" env ALIBABA_CLOUD_ACCESS_KEY_ID=KeyId \
	ALIBABA_CLOUD_ACCESS_KEY_SECRET=$SECRET "$REQ" --dest=odps://p1 --endpoint="$U/api" discover
expect_grep "... gives the tunnel endpoint" "^tunnel http://127.0.0.1:$P$" "$T/out"
expect_grep "... signed request logged by the server" "^GET /api/projects/p1/tunnel\?service&curr_project=p1 " "$T/log"
printf 'project_name=p1\naccess_id=KeyId\naccess_key=%s\nend_point=%s/api\n' "$SECRET" "$U" >"$T/odps.ini"
chmod 600 "$T/odps.ini"
expect_ok "discovery with the key in --odps-config" "$REQ" --dest=odps://p1 --odps-config="$T/odps.ini" discover
expect_grep "... gives the tunnel endpoint" "^tunnel http://127.0.0.1:$P$" "$T/out"
expect_code 1 "discovery with a wrong key: refused by the server (exit 1)" env ALIBABA_CLOUD_ACCESS_KEY_ID=KeyId \
	ALIBABA_CLOUD_ACCESS_KEY_SECRET=WrongSecret "$REQ" --dest=odps://p1 --endpoint="$U/api" discover
expect_grep "... with the server's code" "tunnel endpoint discovery: HTTP 401 SignatureNotMatch: bad signature" "$T/err"
expect_code 0 "... and no message holds the secret" sh -c "! grep -q '$SECRET\|WrongSecret' '$T/err' '$T/out'"
chmod 644 "$T/odps.ini"
expect_code 2 "a config file others may read is refused (exit 2)" "$REQ" --dest=odps://p1 --odps-config="$T/odps.ini" discover
expect_grep "... naming the file and the mode" "'$T/odps.ini' has mode 0644" "$T/err"
expect_code 0 "... without the secret" sh -c "! grep -q '$SECRET' '$T/err'"
expect_code 1 "a discovery answer that is not host:port (exit 1)" env ALIBABA_CLOUD_ACCESS_KEY_ID=KeyId \
	ALIBABA_CLOUD_ACCESS_KEY_SECRET=$SECRET "$REQ" --dest=odps://p2 --endpoint="$U/api" discover
expect_grep "... names the HTTP error" "tunnel endpoint discovery: HTTP 404 NoSuchObject" "$T/err"
