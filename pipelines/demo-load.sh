#!/bin/sh
# pipelines/demo-load.sh N [FIRST]: SQL for N small transactions against the
# demo's sample data: inserts, updates, key-changing updates, deletes,
# re-inserts. FIRST (default 1) numbers the first transaction; runs with
# disjoint numbers never insert the same new key.
n=${1:-500}
first=${2:-1}
rows=${MCSYNC_DEMO_ROWS:-2000}
echo "USE shop;"
echo "SET SESSION sql_mode = '';"
i=$first
while [ "$i" -lt $((first + n)) ]; do
	k=$(( (i * 7919) % rows + 1 ))
	o=$(( (i * 104729) % (rows / 3) + 1 ))
	echo "BEGIN;"
	case $((i % 6)) in
	0) echo "INSERT INTO customers (id, name, balance, created, prefs, place) VALUES" \
		"($((1000000 + i)), 'new $i', $i.5, NOW(6), JSON_OBJECT('i', $i), POINT($i, $i));" ;;
	1) echo "UPDATE customers SET balance = balance + 1.01, notes = CONCAT('changed ', $i)," \
		"seen = NOW(3), tags = 'b,c' WHERE id = $k;" ;;
	2) echo "UPDATE customers SET id = $((2000000 + i)) WHERE id = $k;" ;;
	3) echo "DELETE FROM customers WHERE id = $k;" ;;
	4) echo "DELETE FROM order_items WHERE order_id = $o AND line = 1;"
	   echo "UPDATE order_items SET qty = qty + 1 WHERE order_id = $o;" ;;
	5) echo "INSERT INTO order_items VALUES ($o, 1, 'SKU-RE$i', 1, 9.99)" \
		"ON DUPLICATE KEY UPDATE price = price + 1;"
	   echo "UPDATE order_items SET line = line + 10 WHERE order_id = $o AND line = 2;" ;;
	esac
	echo "COMMIT;"
	i=$((i + 1))
done
