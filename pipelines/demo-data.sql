-- Sample data of the demo (pipelines/full-and-incremental.sh): every column
-- type, a composite key; @ROWS@ rows each, made with MariaDB's sequence engine.
SET SESSION sql_mode = '';
SET SESSION time_zone = '+00:00';
CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL,
  city CHAR(20) CHARACTER SET latin1,
  balance DECIMAL(12,2) NOT NULL DEFAULT 0,
  big_dec DECIMAL(65,30),
  tiny TINYINT, tiny_u TINYINT UNSIGNED, small SMALLINT, med MEDIUMINT UNSIGNED,
  big BIGINT, big_u BIGINT UNSIGNED,
  score FLOAT, ratio DOUBLE,
  vip BIT(1), flags BIT(12),
  born DATE, created DATETIME(6), seen TIMESTAMP(3) NULL, best_time TIME(3), since YEAR,
  status ENUM('new','active','gone'), tags SET('a','b','c'),
  prefs JSON, notes TEXT, photo BLOB, code BINARY(4), place POINT
);
INSERT INTO customers
SELECT seq, CONCAT('customer ', seq, ' \xF0\x9F\x99\x82'), ELT(1 + seq % 3, 'Zürich', 'Hangzhou', 'Oslo'),
  seq * 1.25, CONCAT('-', seq, '.', LPAD(seq, 30, '7')),
  CAST(seq % 128 AS SIGNED) - 64, seq % 256, CAST(seq % 30000 AS SIGNED) - 15000, seq * 7,
  CAST(seq AS SIGNED) * -1000003, 18446744073709551615 - seq,
  seq / 7, seq / 3,
  seq % 2, seq % 4096,
  IF(seq % 50 = 0, '0000-00-00', DATE('1970-01-01') + INTERVAL seq DAY),
  TIMESTAMP('2026-11-21 08:00:00.123456') + INTERVAL seq SECOND,
  IF(seq % 10 = 0, NULL, TIMESTAMP('2026-01-01 00:00:00.5') + INTERVAL seq MINUTE),
  IF(seq % 3 = 0, '-838:59:59.000', SEC_TO_TIME(seq * 37.125)), 1901 + seq % 255,
  ELT(1 + seq % 3, 'new', 'active', 'gone'), ELT(1 + seq % 4, '', 'a', 'a,b', 'a,b,c'),
  JSON_OBJECT('n', seq, 'tags', JSON_ARRAY('x', seq % 5), 'ok', seq % 2 = 0),
  IF(seq % 7 = 0, NULL, REPEAT('note ', seq % 20)), UNHEX(LPAD(HEX(seq), 8, '0')),
  UNHEX(LPAD(HEX(seq * 2654435761 % 4294967296), 8, '0')),
  ST_GeomFromText(CONCAT('POINT(', seq, ' ', -seq, ')'))
FROM seq_1_to_@ROWS@;
CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line SMALLINT NOT NULL,
  sku CHAR(12) NOT NULL,
  qty INT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, line)
);
INSERT INTO order_items
SELECT seq DIV 3 + 1, seq MOD 3, CONCAT('SKU', LPAD(seq, 9, '0')), seq % 7 + 1, seq * 0.5
FROM seq_0_to_@ROWS@;
