-- 003: widen listed_info.code to 10 characters
ALTER TABLE listed_info ALTER COLUMN code TYPE VARCHAR(10);
COMMENT ON COLUMN listed_info.code IS '銘柄コード (最大 10 文字)';
