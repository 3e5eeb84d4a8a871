"""Per-request account rules (filled in by the accounts work: 2FA enforcement, language)."""


class AccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
