"""Fault injection of the local server.

A rule is one line:  KIND ACTION [times=N] [p=F] [skip=N]
  KIND    create | status | put | commit | discover | submit | poll | any
          logview | token   (GET /logview/host; POST .../authorization?sign_bearer_token)
          ucreate | uget | uput | ucommit | uabort   (upsert sessions, upserts.py)
  ACTION  500 | 502 | 503 | 504 | 429   answer that status (tunnel: JSON body, service: XML)
          drop      close the connection without an answer (a PUT: after half its body)
          slow=S    wait S seconds before answering
          lost      do the request (a commit is applied), then close without an answer
          dup       commit only: apply it, then answer what a repeated commit gets
                    (409 StatusConflict), as if the request had been sent twice
          expire    the session named by the request expires before it is handled
          308 | 308bare   upsert PUT: answer 308 with (without) odps-tunnel-routed-server
          committing=N    upsert commit: answer 'committing' N times before 'committed'
          forget          upsert GET/commit of a committed session: 404 UpsertSessionNotFound
  times=N fire at most N times (default 1, or unlimited with p=)
  p=F     fire with probability F (0..1) on each matching request
  skip=N  let the first N matching requests pass
Rules come from --faults=FILE (re-read when it changes; a rule of the file fires
as often as it says over the server's life) and from POST /_mcsync/faults (the
body: rule lines), DELETE /_mcsync/faults (clear), GET /_mcsync/faults (the
rules and what fired). Every firing is logged in DIR/faults.log.
"""
import os
import random
import re
import threading
import time

KINDS = {"create", "status", "put", "commit", "discover", "submit", "poll", "logview", "token", "any",
         "ucreate", "uget", "uput", "ucommit", "uabort"}


class Rule:
    def __init__(self, line):
        w = line.split()
        if len(w) < 2 or w[0] not in KINDS:
            raise ValueError("fault rule %r: KIND ACTION [times=N] [p=F] [skip=N]" % line)
        self.text = line.strip()
        self.kind = w[0]
        a = w[1]
        self.delay = 0.0
        if a.startswith("slow="):
            self.action = "slow"
            self.delay = float(a[5:])
        elif a in ("500", "502", "503", "504", "429", "drop", "lost", "dup", "expire"):
            self.action = a
        elif a in ("308", "308bare", "forget") or re.match(r"committing=[0-9]+\Z", a):
            self.action, _, n = a.partition("=")
            self.count = int(n or 0)
        else:
            raise ValueError("fault rule %r: unknown action %s" % (line, a))
        if a == "dup" and self.kind != "commit":
            raise ValueError("fault rule %r: dup is for commit" % line)
        self.p = None
        self.times = None
        self.skip = 0
        for opt in w[2:]:
            k, _, v = opt.partition("=")
            if k == "times":
                self.times = int(v)
            elif k == "p":
                self.p = float(v)
            elif k == "skip":
                self.skip = int(v)
            else:
                raise ValueError("fault rule %r: unknown option %s" % (line, opt))
        if self.times is None and self.p is None:
            self.times = 1
        self.fired = 0

    def live(self):
        return self.times is None or self.fired < self.times


class Faults:
    def __init__(self, datadir, path=None, seed=None):
        self.lock = threading.Lock()
        self.rules = []
        self.file_rules = []
        self.path = path
        self.stamp = None
        self.rng = random.Random(seed)
        self.log = os.path.join(datadir, "faults.log")
        self.fired = []

    @staticmethod
    def parse(text):
        return [Rule(l) for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]

    def add(self, text):
        rules = self.parse(text)
        with self.lock:
            self.rules.extend(rules)

    def clear(self):
        with self.lock:
            self.rules = []

    def _reload(self):
        if not self.path:
            return
        try:
            st = os.stat(self.path)
        except OSError:
            self.file_rules, self.stamp = [], None
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self.stamp:
            with open(self.path) as f:
                self.file_rules = self.parse(f.read())
            self.stamp = stamp

    def pick(self, kind, what):
        """The rule that fires for this request (KIND, a description), or None."""
        with self.lock:
            self._reload()
            for r in self.rules + self.file_rules:
                if r.kind not in (kind, "any") or not r.live():
                    continue
                if r.action == "dup" and kind != "commit":
                    continue
                if r.action == "expire" and kind not in ("status", "put", "commit", "uget", "uput", "ucommit"):
                    continue
                if r.skip > 0:
                    r.skip -= 1
                    continue
                if r.p is not None and self.rng.random() >= r.p:
                    continue
                r.fired += 1
                line = "%.3f %s %s %s\n" % (time.time(), r.action, kind, what)
                self.fired.append(line.strip())
                with open(self.log, "a") as f:
                    f.write(line)
                return r
        return None

    def state(self):
        with self.lock:
            self._reload()
            return {"rules": [{"rule": r.text, "fired": r.fired, "live": r.live()}
                              for r in self.rules + self.file_rules],
                    "fired": list(self.fired)}
