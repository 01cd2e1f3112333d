"""The JOINs the local server runs: those MaxCompute's common (non-MAPJOIN) join runs.

sqlite would run any JOIN; MaxCompute (its JOIN documentation) does not:
  - CROSS JOIN is refused, and so is a JOIN with neither ON nor USING (a Cartesian
    product needs a MAPJOIN hint there; hints are not modelled here: refused too);
  - the ON condition of a common join is equalities joined by AND, at least one of
    them between columns of the two sides (no OR, no <, >, IN, LIKE ... there);
  - a subquery joined needs an alias.
NATURAL JOIN and JOIN ... USING (c, ...) pass as sqlite runs them. Each refusal raises
ValueError (sqlodps.run: "ODPS-0130071:Semantic analysis exception - ...").
"""

MODS = {"LEFT", "RIGHT", "FULL", "OUTER", "INNER", "SEMI", "ANTI", "CROSS", "NATURAL"}
# words that end a table operand's alias or an ON condition
ENDS = MODS | {"JOIN", "ON", "USING", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION",
               "WINDOW", "DISTRIBUTE", "SORT", "CLUSTER", "INTERSECT", "EXCEPT", "MINUS"}


def _w(t):
    return t[1].upper() if t[0] == "word" else None


def _op(t, s):
    return t[0] == "op" and t[1] == s


def _close(toks, i):
    """the index of the ')' matching the '(' at i"""
    depth = 0
    for j in range(i, len(toks)):
        if _op(toks[j], "("):
            depth += 1
        elif _op(toks[j], ")"):
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("JOIN: an unclosed '(' at line %d" % toks[i][2])


def _ref(ts):
    """whether tokens ts are a column reference: c or t.c"""
    if not ts or ts[0][0] not in ("word", "id"):
        return False
    return len(ts) == 1 or (len(ts) == 3 and _op(ts[1], ".") and ts[2][0] in ("word", "id"))


def _terms(ts):
    """the AND-ed terms of condition ts, a term wholly in parentheses opened"""
    while len(ts) > 2 and _op(ts[0], "(") and _close(ts, 0) == len(ts) - 1:
        ts = ts[1:-1]
    out, cur, depth = [], [], 0
    for t in ts:
        if _op(t, "("):
            depth += 1
        elif _op(t, ")"):
            depth -= 1
        if depth == 0 and _w(t) == "AND":
            out.append(cur)
            cur = []
        else:
            cur.append(t)
    out.append(cur)
    if len(out) == 1:
        return out
    return [x for term in out for x in _terms(term)]


def _on(toks, j, where):
    """check the ON condition that starts at j; the index after it"""
    k, depth = j, 0
    while k < len(toks):
        t = toks[k]
        if _op(t, "("):
            depth += 1
        elif _op(t, ")"):
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (_w(t) in ENDS or _op(t, ",") or _op(t, ";")):
            break
        k += 1
    cols = 0
    for term in _terms(toks[j:k]):
        eq = [n for n, t in enumerate(term) if _op(t, "=")]
        bad = [t for t in term if _w(t) in ("OR", "NOT", "IN", "LIKE", "RLIKE", "BETWEEN", "IS") or
               (t[0] == "op" and t[1] in ("<", ">", "<=", ">=", "<>", "!=", "=="))]
        if not term or len(eq) != 1 or bad or eq[0] == 0 or eq[0] == len(term) - 1:
            raise ValueError("%s: the ON condition of a JOIN is equalities joined by AND "
                             "(MaxCompute's common join; near %r)"
                             % (where, " ".join(t[1] for t in term) or "ON"))
        if _ref(term[:eq[0]]) and _ref(term[eq[0] + 1:]):
            cols += 1
    if not cols:
        raise ValueError("%s: the ON condition of a JOIN needs an equality of two columns, one "
                         "of each side" % where)
    return k


def check(toks):
    """refuse a JOIN MaxCompute's common join does not run"""
    for i, t in enumerate(toks):
        if _w(t) != "JOIN":
            continue
        where = "line %d" % t[2]
        b = i
        while b > 0 and _w(toks[b - 1]) in MODS:
            b -= 1
        mods = {_w(x) for x in toks[b:i]}
        if "CROSS" in mods:
            raise ValueError("%s: CROSS JOIN is not supported (give an ON condition)" % where)
        if b > 0 and _op(toks[b - 1], ")"):
            raise ValueError("%s: a subquery joined needs an alias" % where)
        j = i + 1
        if j < len(toks) and _op(toks[j], "("):
            j = _close(toks, j) + 1
            if j < len(toks) and _w(toks[j]) == "AS":
                j += 1
            if j >= len(toks) or toks[j][0] not in ("word", "id") or _w(toks[j]) in ENDS:
                raise ValueError("%s: a subquery joined needs an alias" % where)
            j += 1
        else:
            j += 1
            while j + 1 < len(toks) and _op(toks[j], "."):
                j += 2
            if j < len(toks) and _w(toks[j]) == "AS":
                j += 1
            if j < len(toks) and toks[j][0] in ("word", "id") and _w(toks[j]) not in ENDS:
                j += 1
        if "NATURAL" in mods:
            continue
        if j < len(toks) and _w(toks[j]) == "USING":
            continue
        if j >= len(toks) or _w(toks[j]) != "ON":
            raise ValueError("%s: a JOIN needs an ON condition (MaxCompute runs no Cartesian "
                             "product in a common join)" % where)
        _on(toks, j + 1, where)
