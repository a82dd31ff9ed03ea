"""The four scenarios; each is ``async def run(ctx: Context) -> ScenarioResult``."""
