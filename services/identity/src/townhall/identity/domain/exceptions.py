"""Identity's domain errors; the API maps them to problem responses in one place."""


class IdentityError(Exception):
    """Base of every identity domain error."""


class DuplicateEmailError(IdentityError):
    def __init__(self, email: str):
        super().__init__("a resident with this email address is already registered")
        self.email = email
