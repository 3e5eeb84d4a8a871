"""The load's shape, shared by the runner and the locustfile (which imports nothing else of
the project): who, how many, how fast."""

# Simulated people per role (locust weights; 215 users give exactly these counts).
COMPANIES, COORDINATORS, BOARD = 200, 10, 5
USERS = COMPANIES + COORDINATORS + BOARD
RAMP_S, STEADY_S = 10, 60
TIMEOUT_S = 10.0
# Think time between two pages, in seconds (uniform): a company reads a section and types
# (also between fetching a form and saving it); the office and the board scan lists.
COMPANY_THINK_S = (10, 30)
OFFICE_THINK_S = (2, 6)
