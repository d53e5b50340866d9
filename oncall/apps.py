from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "oncall"

    def ready(self) -> None:
        from oncall.services import member_leave_oncall
        from tenancy import services as tenancy_services

        if member_leave_oncall not in tenancy_services.MEMBERSHIP_REMOVED_HOOKS:
            tenancy_services.MEMBERSHIP_REMOVED_HOOKS.append(member_leave_oncall)
