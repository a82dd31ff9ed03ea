from registration.app import create_app
from registration.settings import Settings
from shared.serve import serve

if __name__ == "__main__":
    serve(Settings(), create_app)  # type: ignore[arg-type]
