-- 001 rollback: drop listed_info and its indexes
DROP INDEX IF EXISTS idx_listed_info_code;
DROP INDEX IF EXISTS idx_listed_info_date;
DROP TABLE IF EXISTS listed_info;
