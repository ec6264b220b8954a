-- 001: create listed_info (J-Quants listed-company information)
CREATE TABLE IF NOT EXISTS listed_info (
    date DATE NOT NULL,
    code VARCHAR(4) NOT NULL,
    company_name VARCHAR(255) NOT NULL,
    company_name_english VARCHAR(255),
    sector_17_code VARCHAR(10),
    sector_17_code_name VARCHAR(255),
    sector_33_code VARCHAR(10),
    sector_33_code_name VARCHAR(255),
    scale_category VARCHAR(50),
    market_code VARCHAR(10),
    market_code_name VARCHAR(50),
    margin_code VARCHAR(10),
    margin_code_name VARCHAR(50),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT listed_info_pkey PRIMARY KEY (date, code)
);

CREATE INDEX IF NOT EXISTS idx_listed_info_code ON listed_info (code);
CREATE INDEX IF NOT EXISTS idx_listed_info_date ON listed_info (date);

COMMENT ON TABLE listed_info IS '上場銘柄一覧 (J-Quants listed info)';
COMMENT ON COLUMN listed_info.date IS '情報の適用日';
COMMENT ON COLUMN listed_info.code IS '銘柄コード (4 桁)';
COMMENT ON COLUMN listed_info.company_name IS '会社名';
COMMENT ON COLUMN listed_info.company_name_english IS '会社名 (英語)';
COMMENT ON COLUMN listed_info.sector_17_code IS '17 業種コード';
COMMENT ON COLUMN listed_info.sector_17_code_name IS '17 業種コード名';
COMMENT ON COLUMN listed_info.sector_33_code IS '33 業種コード';
COMMENT ON COLUMN listed_info.sector_33_code_name IS '33 業種コード名';
COMMENT ON COLUMN listed_info.scale_category IS '規模コード';
COMMENT ON COLUMN listed_info.market_code IS '市場区分コード';
COMMENT ON COLUMN listed_info.market_code_name IS '市場区分名';
COMMENT ON COLUMN listed_info.margin_code IS '貸借信用区分';
COMMENT ON COLUMN listed_info.margin_code_name IS '貸借信用区分名';
COMMENT ON COLUMN listed_info.created_at IS '作成日時';
COMMENT ON COLUMN listed_info.updated_at IS '更新日時';
