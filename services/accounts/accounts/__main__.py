from accounts.app import create_app
from accounts.settings import Settings
from shared.serve import serve

if __name__ == "__main__":
    serve(Settings(), create_app)  # type: ignore[arg-type]
