"""The feed's secret in its address, as `secrets.token_urlsafe` writes it."""


class FeedTokenConverter:
    regex = r"[A-Za-z0-9_\-]{16,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
