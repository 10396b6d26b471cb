from tests.integrations import backend_app  # noqa: F401 - the fixture
