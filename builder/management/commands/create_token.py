"""`python manage.py create_token USERNAME`: print a new personal API token for that user."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from builder.services.tokens import token_create


class Command(BaseCommand):
    help = "Create a personal API token for an existing user and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label to tell tokens apart.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}; create one with `manage.py createsuperuser` or the sign-up page")
        self.stdout.write(token_create(user=user, name=name))
