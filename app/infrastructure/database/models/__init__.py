"""Every model of the application; importing this package registers all tables on ``Base.metadata``."""

from app.infrastructure.database.models.listed_info import ListedInfoModel
from app.infrastructure.database.models.price import PriceModel
from app.infrastructure.database.models.stock import StockModel

__all__ = ["ListedInfoModel", "PriceModel", "StockModel"]
