"""Request signing of MaxCompute (ODPS), version 2 and version 4 (spec §4.2, §4.2b).

Shared by the local server (which verifies) and the test client (which signs).
string-to-sign = METHOD, Content-MD5, Content-Type, Date, the sorted x-odps-*
headers (and x-odps-* query parameters) as name:value, then the canonical
resource: the path relative to the endpoint, percent-decoded, then `?` and every
query parameter sorted by name, as name=value with the decoded value (or just
name when the value is empty). Signature = base64(HMAC-SHA1(secret, s2s)).
"""
import base64
import hashlib
import hmac
from urllib.parse import unquote


def parse_query(raw):
    """Split a raw query string into (name, value) pairs, percent-decoded.
    A parameter without '=' has the value ''."""
    out = []
    if not raw:
        return out
    for part in raw.split("&"):
        if part == "":
            continue
        if "=" in part:
            k, v = part.split("=", 1)
        else:
            k, v = part, ""
        out.append((unquote(k), unquote(v)))
    return out


def canonical_resource(path, params):
    """path: relative to the endpoint (service: without /api), still encoded."""
    res = unquote(path)
    if params:
        items = sorted(params, key=lambda kv: kv[0])
        res += "?" + "&".join(k if v == "" else k + "=" + v for k, v in items)
    return res


def string_to_sign(method, path, params, headers):
    """headers: iterable of (name, value) as sent."""
    lower = {}
    xodps = []
    for k, v in headers:
        lk = k.lower()
        if lk.startswith("x-odps-"):
            xodps.append((lk, v))
        else:
            lower[lk] = v
    for k, v in params:
        if k.lower().startswith("x-odps-"):
            xodps.append((k.lower(), v))
    lines = [method.upper(), lower.get("content-md5", ""), lower.get("content-type", ""),
             lower.get("date", "")]
    for k, v in sorted(xodps, key=lambda kv: kv[0]):
        lines.append(k + ":" + v)
    lines.append(canonical_resource(path, params))
    return "\n".join(lines)


def sign_v2(secret, s2s):
    mac = hmac.new(secret.encode("utf-8"), s2s.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def v4_key(secret, day, region):
    k = hmac.new(("aliyun_v4" + secret).encode("utf-8"), day.encode(), hashlib.sha256).digest()
    k = hmac.new(k, region.encode(), hashlib.sha256).digest()
    k = hmac.new(k, b"odps", hashlib.sha256).digest()
    return hmac.new(k, b"aliyun_v4_request", hashlib.sha256).digest()


def sign_v4(secret, day, region, s2s):
    mac = hmac.new(v4_key(secret, day, region), s2s.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def authorization(access_id, secret, method, path, params, headers):
    return "ODPS %s:%s" % (access_id, sign_v2(secret, string_to_sign(method, path, params, headers)))
