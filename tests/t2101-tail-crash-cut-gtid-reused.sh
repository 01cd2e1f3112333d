#!/bin/sh
# After a server crash (kill -9 while it wrote a big transaction to the
# binlog), MariaDB's crash recovery rolls back the transaction whose event
# group is incomplete in the binlog and starts a new binlog whose GTID list
# holds the binlog state of COMMITTED transactions only; the next
# transaction reuses the lost one's GTID. These two binlogs are a real
# server's (MariaDB 10.11, server_id 9921): mysql-bin.000005 was cut by
# the crash inside the transaction 0-9921-25 (kept here up to the event
# boundary after its GTID event, where a crash can cut it too), and
# mysql-bin.000006 is what the server wrote after its restart: GTID list
# [0-9921-24], then INSERT INTO d.k VALUES (100, 'after crash') as
# 0-9921-25. They are one history; docs/mc-binlog-tail.md says a file cut
# by a crash inside a transaction is not an error (the transaction is not
# written). mc-binlog-tail counts a GTID when its group is whole, so the
# two binlogs read as one history, exit 0, also when the crash cut the file
# inside an event. (The GTID of the never committed transaction was counted
# and the next binlog refused, "not of one binlog history", or "truncated
# event", exit 1: stuck after a crash: found by a tester)
. "$(dirname "$0")/lib.sh"
mkdir "$T/b"
base64 -d <<'B64' | gunzip >"$T/b/mysql-bin.000005"
H4sICPVcF2sCA215c3FsLWJpbi4wMDAwMDUAvZDLSsNQEIbnpFFCtVgtWG/gAUWtNaUR70I10SDF
XqRGURCkJUVC613BLkUQH8CdULwsXfgMPoYgutGNCxcupYgzadUWceskJ2eY8/05889Hytp4XPFm
6m67AAqAwegVQQkGFCWgjMrR5I6VnNbkoN9Mp5T+fUXObq7BH+EZcYEEDSBiNAA8gdgiYVmSJAE3
p9NZxL6Tfw/RI4IL28EOmCYMnZD3K/Lux0M/Kw3ADqo2lvIMu8kSevGFLtqUG9d6bnc7K+MYA0GK
gULy6KUCPfwLHXQ/OHOEXhLai8A1ohJ4y/r1FTfesXNGpEBkDgudNE+o/wE77C/DH3CDsmrH7p4p
ykDP4eQXNZXQVUPnhqpFdG4GMrzHMnk4ZvC5RDiqJpb5rL7cx1M8Eo/NaJG45suGTl0VLcYEarGp
rMXa4pYfsJ6JPCdyBAvHdovh2LyeMOiOuH3hohpZ0Od5j9LHuzc30t2+titplXQe0o3T3G1da9EP
MBNYBgRHgYkCuhPYhFglWCZLSQzy70v3JPWSVEb8tUJKIkwcuPAmb/qthmA3we1Yc9EBqCUXobut
gwqjww4y2vzbqIePWZ+UofsxNwMAAA==
B64
base64 -d <<'B64' | gunzip >"$T/b/mysql-bin.000006"
H4sICPVcF2sCA215c3FsLWJpbi4wMDAwMDYA+5eUmfcyRjyb/6AaA8MfBiBgBCEWBkMDPUNDPUNL
Xd/EosxEFyddA+2U1CRDo1JD3Zz8dAYsAGSMsAUvAweDEAMLEAgxMDxhYJHiAEpxcHAwASkuLi6I
UjiD7oBFmIWBF+gcoAsYF1XtPABy9GKQ37WBktqM0AAAA5CoBJR95e7OQJDShTClYWBVAkCcW1lc
mKMLDEY9AxAwiz0nqPMWqHQRSKkWUEEDUCkHgySSI3gg1LFlLf9AKheAVNoDBfaDDfX0C3YNClHw
9AvxV8hWCHP0CXUNVtAwNDDQUU9MK0ktUkguSizOUNfkrArtB2kXBmm3Bmr8BdYuxADxBGMKA2M2
AxPzH0YWJkZGBiZGexZWpswUxiQORoYpbEd8QFrFQVpNgcr1mZC1AjWlABncQIxk442Zf3tAmgRA
muSBcn5gTaxQT/2+msMFAK69pc5OAgAA
B64
mc-binlog-tail "$T/b/mysql-bin.000005" "$T/b/mysql-bin.000006" >"$T/out.mcr" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ]; then
	ok "a binlog cut by a crash inside a transaction, then the binlog after the restart: exit 0"
else
	fail "a binlog cut by a crash inside a transaction, then the binlog after the restart: exit 0" \
		"exit $rc: $(head -c 300 "$T/err")"
fi
expect_eq "... the committed rows: 1 (0-9921-24) and 100 (0-9921-25 after the restart)" \
	"$(mc-cat --to=csv --table=d.k "$T/out.mcr" 2>/dev/null | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "1 100 "
# The same binlog as the crash really left it: cut inside the 61 MB rows event
# at offset 951 (here its first 100 bytes kept). Its transaction never
# committed (the next binlog's GTID list says so): the crash's leftover, not
# damage; the tail stops there every run ("truncated event"), stuck.
base64 -d <<'B64' | gunzip >"$T/c.000005"
H4sICJJeF2sCA201YgD7l5SZdz9GPJv/oBoDwx8GIGAEIRYGQwM9Q0M9Q0td38SizEQXJ10D7ZTU
JEOjUkPdnPx0BhxA2IKXgYNBiIEFCIQYGJ4wsEhxAIU5ODiYgBQXFxdEGZxBd8AizMLAC3QO0AWM
TkxmHSC/Lwb5XRsoqc0IDQAwAImKQdnZjOtzQEoXwpSGgVUJAHFuZXFhji4wGPUMQMDkT2LzKxSl
jbiUmgrc46oEKV0EUqoFVLAaqJSDQRzJvZoQSkG5aDZIJRNIZSVQQAUUngyCCIXKYJIRaIBCCIjF
xlxcksKiywCCjQ4wVc5Bro4hrgohjk4+rgopetkKGpkpCp5+IQoBQZ6+jkGRCt6ukToKSQo+/n7u
Tj7+Tpo5dlN4UZzoxwRyogSSE3kg1DyTzKcglQtAKi2AAm1gJ3r6BbsGhYDs8AdbGOboE+oarKBh
qKOgnp+Xqq4ps5gjHqRPGKTPGhTuYH3SEP8wMKYwMGYzMDH/YWRhAvqOidGehZUpM4UxiYORYd6v
iDsgreIgrbpA5e9QtII0ARnMQAy0STz1EzdIsQBIsTxQjBckweAI9YXdzYIKFI+aM4M8KonpUWEF
q0y4R12BAjXM6B7NVgh29XF1DlEoTi3UBvrUoULBLcjfF8SNN4wvyY+3WNj5wxDF19uZifX15aTd
tnBfazWsZH7YvJIZppUBpAkcCkAJDVG740uWXVHZ+pW7ZPVccf4XrR6ipaqP1suvyfp+3uTBQZO/
7Vs803ZPmfK8d/1PxcTIPxOlq2QuaV026vaJqf4NAEbii3UbBAAA
B64
mkdir "$T/c"
mv "$T/c.000005" "$T/c/mysql-bin.000005"
cp "$T/b/mysql-bin.000006" "$T/c/"
mc-binlog-tail "$T/c/mysql-bin.000005" "$T/c/mysql-bin.000006" >"$T/out2.mcr" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ]; then
	ok "cut by the crash inside an event, then the binlog after the restart: exit 0"
else
	fail "cut by the crash inside an event, then the binlog after the restart: exit 0" \
		"exit $rc: $(head -c 300 "$T/err")"
fi
expect_eq "... the committed rows: 1 and 100" \
	"$(mc-cat --to=csv --table=d.k "$T/out2.mcr" 2>/dev/null | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "1 100 "
