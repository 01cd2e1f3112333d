// tests/bench/duckdb.mjs: run SQL files in a DuckDB database with a given
// number of threads (the merge benchmark's DuckDB side; b3000-merge.sh
// copies it beside an npm install of @duckdb/node-api).
//   node duckdb.mjs DBFILE THREADS FILE.sql...
// Statements end with ";" at the end of a line; "--" comments are skipped.
// With FILE "-" the last statement's first row is printed (a count).
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [db, threads, ...files] = process.argv.slice(2);
const inst = await DuckDBInstance.create(db, { threads: String(threads) });
const con = await inst.connect();
for (const f of files) {
	const text = f.startsWith('sql:') ? f.slice(4) : readFileSync(f, 'utf8');
	for (const st of text.split(/;[ \t]*\n/)) {
		if (st.replace(/--[^\n]*/g, '').trim() === '')
			continue;
		const r = await con.runAndReadAll(st);
		if (f.startsWith('sql:') && r.columnCount > 0)
			console.log(r.getRows().map((row) => row.join('\t')).join('\n'));
	}
}
con.closeSync?.();
