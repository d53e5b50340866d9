from comms.statuspage.models.page import Maintenance, MaintenanceUpdate, StatusComponent, StatusPage
from comms.statuspage.models.subscribers import Subscriber
from comms.statuspage.models.vendor import VendorFeed

__all__ = ["Maintenance", "MaintenanceUpdate", "StatusComponent", "StatusPage", "Subscriber", "VendorFeed"]
