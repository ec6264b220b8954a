-- 002: widen listed_info.code to 6 characters
ALTER TABLE listed_info ALTER COLUMN code TYPE VARCHAR(6);
COMMENT ON COLUMN listed_info.code IS '銘柄コード (最大 6 文字)';
