-- register.sql: the exhibit register, in acquisition order: what each exhibit is (its SHA-256
-- and size), where it came from (its path on the medium and the device), when it was acquired
-- (UTC) and by whom.
SELECT ref, original_path, size, sha256, epoch_us(acquired) AS acquired_us, officer, device
FROM exhibits
ORDER BY id
