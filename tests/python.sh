# tests/python.sh (sourced by tests/run.sh and tests/bench/lib.sh, after O
# is set): the python3 the tests and benches run, first on PATH through
# $O/test-bin. It is the interpreter `make deps` installs (Debian's
# /usr/bin/python3, which sees python3-crc32c), else the first python3 on
# PATH resolved once to its executable: a version manager's shim (pyenv's)
# runs a shell script and a second program at every start, and a test
# starts python3 hundreds of times (seen: 385 ms a start through pyenv's
# shim, 29 ms for /usr/bin/python3). MCSYNC_TEST_PYTHON=FILE names another.
_py=${MCSYNC_TEST_PYTHON:-}
[ -z "$_py" ] && [ -x /usr/bin/python3 ] && _py=/usr/bin/python3
[ -z "$_py" ] && _py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -n "$_py" ] && [ -x "$_py" ]; then
	mkdir -p "$O/test-bin" && ln -sf "$_py" "$O/test-bin/python3" &&
		case ":$PATH:" in *":$O/test-bin:"*) ;; *) PATH=$O/test-bin:$PATH ;; esac
	export PATH
fi
unset _py
