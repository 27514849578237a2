package e2e

// JWT/OIDC auth method (issue 16): config and its validation, roles with
// every field, and logins with JWTs signed offline by keys made for this
// suite (jwtRSAPub, jwtECPub): a GitHub-Actions-style token bound by
// bound_claims (globs), claim_mappings and groups_claim, and hostile
// tokens (expired, not yet valid, wrong key, alg none, HMAC with the
// public key, wrong issuer or audience, malformed claims). Every token
// expires in 2100, so the recordings stay valid; only real Vault's clock
// and the mock's decide, and both are the wall clock.
//
// Remote key sources (jwks_url, oidc_discovery_url) and the OIDC code
// flow need an issuer the server can reach; real Vault in a container
// cannot reach the test process, so they are covered by the mock's Go
// tests (testhelpers.OIDCIssuer) and here only by their errors.

const (
	jwtRSAPub     = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqluEZyr+9gd4O5WtYqg7\nrHOh93Ci0y1tUMhsaIFifhBJSw4dBbSYNz4voJ3BfzXChHTmt1hR8MGwlKVNtfnP\np5g1hvHhwXB72hp2h+DdALYfd/Xf+JCQcbnD0qLW5XuafhEq9/wGPQIe8n3sfodl\nJ6UnDDFNwL7Fsc7VemofSKpp94aiZ1hlW2a6CKuYm8/WPcUSgYm1lbjIG0HHy3kO\nm99kPGX0WZHH+cDsqQU/QB/QMFnLELRmmejqA/mZ0Lylpb999Ax3WnoO07B/dSjA\naHlZOQiC074tJ+znLRhNi23rhoN+ESISfboRRotLX2KwJMRwVzsA8hSDY2/ZDH3z\n8wIDAQAB\n-----END PUBLIC KEY-----\n"
	jwtECPub      = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc2OurgMd+1GPpk97UsSdghVRVEcJ\nX2nGr9nLF1Y2NJog40ZFNkSPkMNKz1LaY16Nq6H81VssmiCM6nymjyYR0A==\n-----END PUBLIC KEY-----\n"
	jwtGood       = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.UZ3VZ3C9i93QlCdvysaMyeBGi2GtP9V3jFoV4CusCMCVOmXwlm2QH-GuSfa0-iGlo0RcczE03KAQfwXyHtszjFTikMdplv0T1Opjxag4HWAdSiz2IG6qgr1gZtbSkjtVLXdyYCf-vE2_NtpzM_5TlxJwx6U26XDEB9hOGaJ514CahNoU3ptFqKR0ZCAoJV-zItERKfEVlUxc5p1KhKjvAf7Iw8byMTZKcv_czl5QHqRlm71P-mrncgs48HzkpmApB23-gFBGY7ZgSq_jA4eNoew-8YqTvCZUBZ4luumJ5Gt3RZNq9G5claZouD6W0SD_-DkZ-_GtsB249RaWXk_Eqw"
	jwtTag        = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL3RhZ3MvdjEuMi4wIiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy90YWdzL3YxLjIuMCIsIndvcmtmbG93IjoiQ0kifQ.mE-C_bbT8DQxP_LjqlGtD_hTgF-vVUZ4axV_s3yWrvRqooY17AWwgMLHYEAKANgsU834podOFf27-C02hkHaIdG6cxVEu10BI3GPWFmyFk5xyRVgR5fKfPziv4qDo0QQY9U-3Cxg3vef2yi9nuwASBdb4qCIFHfB-nn7i6Ghij5ekOCEozx7geVJVqIcZf4Ojy6bq98hBzKYja537vKxJAPLbDNY6wgP_DH-9gBNxcos048qZm1rbg4LZcq55G3p27aSubIdfq8IYjZcv29MDBkypK9RlMzBOj6k-vuVS92WrCUH-tBVTwJewupA5qop9T4rPLf6RCjS2S5MszVnlA"
	jwtOtherRepo  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiZXZpbC9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmV2aWwvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.JxxnR0J-atjLza5T30FyVPOKMkXAWnTS2kr6UOec_xYHOhwIFSbETN8nerMLtSTa2VdCzLtOPlqv5EgG7psNbeeNWtk0Z7b2_LLEWv-zGqi37hq0qvb6Kye-YE1AHRqsttNPhielxEti80MIe_6ot4WnrxTQo4yZqYM4CPxLfmt4ZIsWpeZZyeIpaqv9CGvKJ0NrJ8RAomtAL6X3cNA23OeJ7Gj3C7dWd5rwxa78g58zj_TI_iNMCUKkGzJMFZP1vgwfhdYLGF-ckHH939TS085c32DwUozc-IWug4NL39g0CQoKfdrs3HHx64ERL8_T5tjXOehMLJSytHUU0TztiA"
	jwtDev        = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL2RldiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.BGmYehJksM0gAJlIKeMlP4mC8Y0LRmERM_DT3nOJ4A2ceKsorggJs0gtaIxolghGwds1AYzmDBwyJMMQKJJmyPoC-TVEMA-RUkRjiaV3BjYcGaps9fug_zVdbOw8xNAuWtGyImUklTjFWg9oRTlVeLUYafRP-vTGpgObg5DeYLhGeDpZZa38Oz49N0egj1MOM52cLMVINqWmwm3UVCCQYA4-FL59CjeDV_mroYYikUXmlNDzXnpC0ASS8f1wwcvAiCfi_tDKwHmU9jvTaQj4duXeFRcC66Xg7Snzdl-7t_JX_NXaWUamwR8BNwOTfzLby-3vPmDX7tjc0F6bPSjoOw"
	jwtES         = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.wkajMZHfpqXEdkLrbXZTOHrL52uYsxtgPByMP3xPvb-QlIp73kKr8F41Gc5aunlJjay3sT_-E682x2fooUdS-w"
	jwtOtherKey   = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.OfxFzv5dgj2-2VKMn_7U4ni4KcR2E8nhJhzeaSx0ejSgfs0z_6kH6ZdT1McLM8pldXZVm6UoD5_HrpCsayzvgFEUFl9uypI0KrKDYis_4EEvBvVzUVvU-g3xM-h8MgeRZsTZPMbGvvxBBn8x9GEMw2Ctat0_GvObsesnxTa5tGkMHg88J1a_Ya8QGNzbZwahCA8zLEl77pSef0Qc7SlbQBXWyq0hlKuq12_rgDMRQmxIXe0bTDLtvurqe_V97uT-Y-o84lTZYRPt-HsHZs3BRA64QjBYjgVbBP1nMPp9DFvKP5BqI1gZkKeMaXKLugoJdPU_1KVtGsz5QMe1CAaM3A"
	jwtNone       = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0."
	jwtHS         = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.3yiO2EW661xcX9cM-Zlh6ZhwYOY5MV7z-9wGiUI8z3o"
	jwtExpired    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6MTcwMDAwMDMwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.AKbnNAsGZ7sWEkRINtdBQ5bTenxQmoypS3iEaDmWni5S5R8nF33NOllYs6CzLNuMA6ZZwowgd5GRcgOjMnlHN21-wphqK8oLWeL-2ql3QmXWDidYgs_g-wz0zjbOzROfQrddxSFPYM02I0N3AVTzBX56HwHbCBrcKXsEgEgBuBZo8slN_eR0j_XoCuKybX45-9jjoryClXbopMplAf0rELTH9I2jkju6J-tEXbxoflHZEcOKQoIMXQ2XDExL_Q-tbaBMon_RdcZe6VfIRPkWZ1Jn0SakF1CrJEgkVx3XhVx6Dd1gpzA5Z5yJcOf4biZpfLQWWZmdaGhU9SIosh_xLg"
	jwtNotYet     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZXhhbXBsZSIsIm5iZiI6NDAwMDAwMDAwMCwicmVmIjoicmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwid29ya2Zsb3ciOiJDSSJ9.l29aQfzg8OhQi8gc_DVmw5oAmnrmha01zRcFhjdfQ9Hn7p20MwH498GcYM5V_Nwo09O3-E71YKXQe1uZhLDTKJM333awCgY7frXBnOrbO-ZwJklf7-yxYPs37E9j_QZklhilVomHr9TxAcj4vjt-bRj_yjSXJQme20_XfEflsyn92Yo874ItpTPghEgigJbqSVSoK3Mk0_rxH7mXY7STc9qYQW9bWnCq4tWH5bSwvNE0lsT7NqxFJrltpbaFPl720N2Eklb03SDHD4UdWJTRBhdxwpL9CVELMZo9hHKQU4b4HWlFdZlVpDb8YMDIiNdSrPRlCro0G3Mh5vTcmw4k3w"
	jwtFutureIat  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjQwMDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwicmVmIjoicmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwid29ya2Zsb3ciOiJDSSJ9.Tm2-_KyV66Dwn0cwXdJJH_db3LOz3ovWEM0QSRPgLa0moxCubFfeuW6u26aVBDFLzZBI1AqzloFtEPyesySoSFp4n49LquC8myEk6V8eA_4e4L5YFOvvJFfKdxEQfpCp11Y-7RoZCMXQQMyag5uy5V00JwtDxfsJ5dZQoFeLW1fzbb2vZkKc8xtqlVAVq9SPnRSGinAo-fB9X2OLxnBX7uXZQM2iX4RrIE6VqwV2tN7QUxNvySSMGFA1_cS9uywk9pNw37ZFKziPa5Gu6zigeV4rKP0QvL5TgfT8tc-kna7Ht6QTePkuhgNGg1B75Z572Tw2Cj2wgXshC_WHrAGJjQ"
	jwtNoTimes    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.Xc0oIqfmOXpJglUEDXQxOtGQu1nRlEwsVX40MQ_BRZU0fWveoxz2tV9euxjogiGI6lONOzolxYxTDNK9RO3Ay-bi_Duu3ajmTR-RLuGLt-zS87uma4zg-prCNQH41VhVdSIjNzkpOWCK4D8BI8ZuIrd5pTFF33t5TSVNrlJgLfOj-hr-jGtSPOQrApZxWTCnOF0O_wi2txI14lp-q6-0krk0olKR7QjEGW40INjI8xcuGvl8GrUBVeD3gj0m7AtjbKpE4AxcGPK6HfjwAj3HY85QZjcdUODxBzyDF256GcBxxtcvUFdITO-69DFxGhVgLoBw2c5vpofalWmMVg7s0Q"
	jwtOnlyIat    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZXhhbXBsZSIsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.VAjjlwBzLTtYp58Ojyx4HlEo4gI4PYtAT5gmtzhRCiB8LdKlt9G5FirT_IvPfrIitGpI8HT6zeoBoO6u1sQQ6802oJIbqJ16o89xj-3trhlEUQWOKhv1ccyqYkOFF18iaM9XLBpf4-KmeJs585RKelN9euAxT47-CGQXDi-LIA40yHKhebnruma77VRY5MYvqh4CPWtUxPj6DxraIYVJbpXW7Ahc8LcQJoxAqKEVKYqi28iU5tiOxpD46cAFn8K34KKM6-_AHuoa6cKSCfFV12ovDJ0mmvp_qmQ6-5vJNI04BrYzKGgC8T8qFdUrG4r2WZWixPmhSubKCXPAim1XcQ"
	jwtNoAud      = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJleHAiOjQxMDI0NDQ4MDAsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZXhhbXBsZSIsIm5iZiI6MTcwMDAwMDAwMCwicmVmIjoicmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwid29ya2Zsb3ciOiJDSSJ9.FWBvRqCzAn8Uw4MfIZbgoIntbDnfw4bLArb1xGitSG878V8uOydMG0GyCGToBHf4jg8u5w4ecZ8VqOZbic5pBAVdehvOHAgPVkMnq1LeOGogSJrEheWFJCIkrUIMQeug53XuDtzK1bgBkiW-SL-9A1A0eWreLHGebxR_HmII93wswNrkcjifCAQi2XlB6BPhmmQkeE-DBuheFDH4UVDUhbvLZ7jJe3YMpnbfPaLjZQxa-5rjV9fQFAGLsYhfwveBb12Y0BY9Z872B5UF3Y66nn4aHV1PrsDu0BToDINMFSOUbwFeqZb9p8lkvtuotbObd9xboDR25Bb2hEhXIan0ow"
	jwtTwoAud     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOlsieCIsImh0dHBzOi8vZ2l0aHViLmNvbS9hY21lIl0sImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.V_KoNuXrmZiRUShJqu1lq90kjp26_fRRqDlPFvm-w-eI1wwToOtubV1ouUjtSQSlox_opSO7HGzR8-nUjreJbtLtFFhdtxVcsodLZgYghmha_2ieoVxSDV8G0wq2D-PHJHGePO0EFJpwNE3kw5mA8EfdxA5ekWHYs69vMtBPWrKzLbzTUKuCN2Lblq8kyIKhvPfyNfWXUbpDB6TOZxB-Qd6Ed6OHHwC-dntUdCoamRoDvNJEFej90Hzd7toZvt1RjU8U0xvfwRCjwY4jDGo-zptCxcuW0pCIo_jTpw-F5V1KoOo5wZjzMiQqWc9dT_vNbtHWt2o4y0CKvvawq0DQag"
	jwtWrongIss   = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vZXZpbC5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.on8FiP-yhm-IOLF8FLusl3xgUfoDerWnp6r847Kq5cpOxeQk5DHwm6KvL6wq03lmQ3KpeHZZMwQLuvVfqWdhjGS_fiKIx1H20_B_PjeyLMNpn3uhe3cyeUf4zZU3CRtOMhXjpo8gxddETsIu_19PAEnPsH4-2LNjBBcmFptYJ9PtH9BIGniJFKZEDesKas8No0nPaS2aAe9QKjcTzQ2P39j9kKfIHexd5UPtaGaHFwUsWi4WWKhMf0_6Zx-V9_ZbZUEzQxVaPCNUhjzFu1GGr3CmYVhGGCRMAOf1G5EEzMT6zCr03nk0EW5DQad1oWpxUTlabwVso3a_t2Ji6AFxeg"
	jwtNoActor    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.Z3OeyTQ_Cm_zSnsN8jWmXZkB7T-8bdJY10w1Gw2LjtnUYOPbTtMbJWVD_eVzqb4hrlUFkDWAIFK5ku_aecAA0tPLrWAsXcO-C3WyjVFkYAOziaUftDXi8KWzoGm5F7oraH5D9NzX3-RVNpn7qfGxx-Y4ZOvxHxbBcXwMEanuCHrB6WX1a6TH1WDSCw14vLsSLSyPmuJMIl8QRLHOmRWaIqJevijcaD44CXECiudhPctssKCOTUrn3cW-fTtVGjwQUT8rM-jOhTmFsQLP2JnJFihsJv3CGpbYTj5YvzHiVkPNSpY29RFF7oQk8BKz_u5zFEbB_lQwsJTNWobf3vpcUw"
	jwtNumActor   = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6NywiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJleHAiOjQxMDI0NDQ4MDAsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZXhhbXBsZSIsIm5iZiI6MTcwMDAwMDAwMCwicmVmIjoicmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwid29ya2Zsb3ciOiJDSSJ9.LAX81BLKP0VgbeTDxBhZ2kUlzgLY_unVaUzIH2T9yKGgG3wW4Qy8S2F6cZrV4Yr_u7w8ya8tkGX6TKSlIjmdo_yZdvt5_wrNG3vf0u25jUCAMx1oJeZW2EzXXd0H-0hQgGsOfdLGF1lsYwLQngWEo-BcJmvZlL3u6kUCls2eLrNviiW88kKcSH15kBS7HnwxiUdZfVPuPsqDYCZqfkeTQLNqAiz7Rr8k-ToGdzheZz3dAAKfFuaOJ5gyHabSkByHkfAlsiSWw7f0R1RwV_VjOYbnf_CSphGI12WGrq_s0rTcg9JpqBB6_VlWercP7TTQUOd04bfLPJpgOOmgWFzD5g"
	jwtStrGroups  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjoic29sbyIsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.NLH17-o89hYPVOJbmCBlnKinkoWXJaFnJCFkXzOFvwoV1YbPkcpE0Lli1QViw6wJZi8GfAdji6-w4vEQM1fGKXuP7aTMchvShfCgRaBuCl57ZXh7bvL_Q598lxJruxfxKJc99Et_Tayy368MmJueloldYD9blJ6GQweWsrf7iW1LdGA_c97DrWhc2e2oErES5bkXp5IxSyhpyIV6WwD_dt9sPyXcZhWF-mAalgrfOSXeEoOWLAb76uYkvvA5ZpEM03j-ZxZDn187akLx0GcywpPVLiNCuFVxZZ6sdXkTFV5ZasE4Dn5PMhOHUsMQRLPWRFhanyrjnDaWWTuhMxqXng"
	jwtBadGroups  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImEiLDFdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.U7f-jKGtd7MaeiFy3YZB7bIL4DhcMhBRHLML1YIVFWjG6suEM7iygW_VrxcZIy_vhD_Jqj5A1N8EahDSvKal5bZ7TqTKcfJK1FlNOOz4y8YkNjGOT6E-aDjUyRZ6Ff_EIGtxhIHf1cDHPpMZJO5i2i9ZAs2w8CtAq-_CDytm4dqV6u-monOeEU_QMPqcOi4P4Y51F090CtIyqqcD6-mJlz1BWCAoK7fuM8ObKsblbVyN73vfiZ3AwvOmE6RkfWZo7PsEjjolJoaL486Wv8vziVOoMiQTxPx7v2rP3lXXp-nVytehHZI1Y0u987qcZgGyKtRhpCIJNUI64wu7op2YCA"
	jwtObjGroups  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjp7ImEiOjF9LCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.CPyN2fuYEMZBe2MoxX6ORkszZu1CPJizztjgOuX0G5FgHrok15hz9Sf2gVL9dYJFV1Lerpi9-OUF2DJ0mpkyb8jEAVEJe6AkaXWoi-grGsSyCcNWeAcK4UbjfunoEUl-DfPx4infcobajiEoem5Cilpv_y3sslhBiVsbmXMF-X9yP32M2HHpufgfxUyygyb2AHLa7_3M8bw3iXWkgFB6ID7lbbRLJXg7QdjajJhSZ-xqM8YGAgJn4JraxO-fM-MtQNcfZ6LpjL5xnm3LdiWcVGBmzrygct4d5-XGvYNspCV5kjpCGc71RH57Y0iC5ukMN232Qx8Q6ZxmOVv5Mb1MKA"
	jwtBadExp     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6InNvb24iLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.HzxsVZ55xSswSJXp4g0WuKtt44JLYV_NF6KNrVpgL4_Vi8HdJJ-hP7rqSufZzknyFjBKpr0Lu60p7T2ONvbAaYEZ_szibUU0lkCvIWSNxP6AwOCaL_bD-NN-mnq8ZVlS9rL6nYJwA4aPGKAU4y9YLTRwaJMvOoFEdzZEYjN1_XQse4lp70VDYIUsArFloZeQoB_1v9jxkX0uU7Rh70dsBUOav6sy3jpASNF5HCp3UCeg7QdIvcvJB7sgUhgp1ENWzgWIwHGkb5VkiihgjdBwfgnV9cHiFwA28BAFFAmZxD14zNRob-m7yB2UOhxRBmJXMkSzIFBLE--YnlWiFlM-og"
	jwtNumAud     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOjUsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.cyKcJK9Tk49J4NXbUZxSEuI0H4GmSCVbUJHqgdN1kMD8YpTOK40_3hFHveO-VPlQ9bv5jTDjsbC7oDGNmkYKL_FlQ1lZ316KtH9g9dVbYv70Nkz6s_CCa0TOQF9JgdYbQTp-jtsGtf7ElzND3P_Ii4Qno8S5mEQ_lNGMuzRN9bD4BEVaGDPloH6c6kJux5e-XEOfkPOoY8r0sxU6JgiJbDvQ_ZPeCgydd8hZxxbZzydIcxJnF5BKd-DfT2z0MNpA8eJ4MsuosI2PpYVVLvlkJn6Dnk-5yILb4FXVHzm2e5jhbV8btmFjt55rXW8ABcFNENAPttPj6sd9za15iSQcYw"
	jwtNumIss     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhdWQiOiJodHRwczovL2dpdGh1Yi5jb20vYWNtZSIsImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6NSwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.WNthgHR1NrVUdXG1F6m5uCIitNs_QvyhSxBYwxuNiZ_ToOaHh4BseDjUk1fV1RuRaviEmouW9NdTGtXmiryygUiA-UTIsl1hMUPX5RskfLL0fyBMg-CSmcdergg28rB_KSqPDXoFuFg4XV3Y5OUWMZRJ7lCzDoZqOCceztMnir1YlMH6L3VjbtJwj1rgAwZPBcCKDCyNGHmHpgAqrjvqJFhbYThRl5olUiZ6IJpxzehd7emf_ipqn5ZW60gq9amXnOSeTi6CTeGLJqENwi2bC4yh7pWHf0ZpLmaA9CGi_Eq9uoLTRTqvR4JL96mLj1EP5y3E2WTUj3vyi3wO6pUhLw"
	jwtPayloadArr = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.bnVsbA.VtGxyQmztWMJhICRWF2SCfmwOMgJmfvJJ6FQotuSHq-IuLAenXXnjczrf_luFroQUG_AsZncdkstzk8GkqsCCZ7LWNGLid7oFpRU38dIunt2nlDVm5mXt53pWwJqrn7wO4vZZu03qTC2NcFxN29fdcaFsZCmdpeNb76Ha7HoWvtV2RchRB9U-AifFWGXDHdYchVd7IsFvGmc03WqSomi54lsKY-JZ6JMa3Ppzjxnbr6KdjBM-QchIfwQy_kyuegC5tMtvS_Jwnuh-4WRMYeTmANdqIe685YveyfLrDG1-ivNamL0xqgldovt3CPd170bbRkO5oVa1r7NAHC18MGaEA"
)

// jwtMount enables the JWT method (type typ) at path and configures it
// with the suite's public keys and issuer.
func jwtMount(path, typ string) []Step {
	return []Step{
		POST("sys/auth/"+path, M{"type": typ}).Want(204),
		POST("auth/"+path+"/config", M{"jwt_validation_pubkeys": []string{jwtRSAPub, jwtECPub}, "bound_issuer": "https://token.actions.example"}).Want(204),
	}
}

// jwtScenario is a scenario on its own JWT mount, removed afterwards.
func jwtScenario(name, mount string, parts ...any) Scenario {
	return S("jwt/"+name, steps(append([]any{jwtMount(mount, "jwt")}, parts...)...)...).Then(disableAuth(mount))
}

// jwtLogin logs in at mount with role and token, anonymously.
func jwtLogin(mount, role, token string) Step {
	body := M{"jwt": token}
	if role != "" {
		body["role"] = role
	}
	return POST("auth/"+mount+"/login", body).Anonymous()
}

// deployRole is a GitHub-Actions-style role: the repository's owner as
// audience, repository and ref bound by globs.
var deployRole = M{
	"role_type": "jwt", "user_claim": "actor", "bound_audiences": "https://github.com/acme",
	"bound_claims_type": "glob", "bound_claims": M{"repository": "acme/*", "ref": []string{"refs/heads/main", "refs/tags/v*"}},
	"claim_mappings": M{"repository": "repository", "/ref": "ref", "workflow": "workflow"}, "groups_claim": "groups",
	"token_policies": "deploy", "token_ttl": "15m", "token_max_ttl": "1h",
}

func init() {
	Register(
		// ---------------------------------------------------------- config
		S("jwt/config/validation",
			POST("sys/auth/jwtcfg", M{"type": "jwt"}).Want(204),
			GET("auth/jwtcfg/config").Because("no config yet"),
			POST("auth/jwtcfg/login", M{"role": "r", "jwt": jwtGood}).Anonymous().Want(400).Because("login before config"),
			POST("auth/jwtcfg/oidc/auth_url", M{"role": "r", "redirect_uri": "http://localhost:8250/oidc/callback"}).Anonymous().Want(400),
			POST("auth/jwtcfg/config", M{}).Want(400).Because("exactly one key source"),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "jwks_url": "http://127.0.0.1:1/keys"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": "not a key"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub + "trailing"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "jwt_supported_algs": "HS256"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "jwt_supported_algs": []string{"RS256", "none"}}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "oidc_client_id": "x"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "oidc_client_secret": "x"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "oidc_client_id": "x", "oidc_client_secret": "y"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "oidc_response_mode": "fragment"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "oidc_response_types": "id_token"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "oidc_response_types": "token"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwks_url": "http://127.0.0.1:1/keys"}).Want(400).Because("the JWKS is fetched at write time"),
			POST("auth/jwtcfg/config", M{"jwks_url": "http://127.0.0.1:1/keys", "jwks_ca_pem": "junk"}).Want(400),
			POST("auth/jwtcfg/config", M{"oidc_discovery_url": "http://127.0.0.1:1"}).Want(400).Because("discovery is fetched at write time"),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": []string{jwtRSAPub, jwtECPub}, "bound_issuer": "https://token.actions.example",
				"default_role": "Deploy", "jwt_supported_algs": "RS256,ES256", "oidc_response_mode": "form_post", "oidc_response_types": "code,id_token"}).Want(204),
			GET("auth/jwtcfg/config").Want(200),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "namespace_in_state": false}).Want(204),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub}).Want(204).Because("namespace_in_state keeps its value"),
			GET("auth/jwtcfg/config").Want(200),
			POST("auth/jwtcfg/config", M{"jwt_validation_pubkeys": jwtRSAPub, "bogus": 1}).Because("unknown parameters: a warning, no error"),
		).Then(disableAuth("jwtcfg")),

		// ----------------------------------------------------------- roles
		jwtScenario("role/validation", "jwtrole",
			POST("auth/jwtrole/role/r", M{"role_type": "jwt"}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "saml", "user_claim": "sub"}).Want(400),
			POST("auth/jwtrole/role/r", M{"user_claim": "sub"}).Want(400).Because("role_type defaults to oidc, which needs allowed_redirect_uris"),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub"}).Want(400).Because("a jwt role needs a bound constraint"),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "bound_claims_type": "regex"}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_claims_type": "glob", "bound_claims": M{"a": 1}}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_claims_type": "glob", "bound_claims": M{"a": M{"b": "c"}}}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "claim_mappings": M{"a": "role"}}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "claim_mappings": M{"a": "x", "b": "x"}}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "token_ttl": "2h", "token_max_ttl": "1h"}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "ttl": "2h", "max_ttl": "1h"}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "token_type": "nope"}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "token_period": "800h"}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "token_bound_cidrs": "nope"}).Want(400),
			POST("auth/jwtrole/role/r", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "token_type": "batch", "token_period": "1h"}).Want(400),
			GET("auth/jwtrole/role/r").Want(404).Because("nothing was stored"),
			LIST("auth/jwtrole/role").Want(404),
		),
		jwtScenario("role/crud", "jwtcrud",
			POST("auth/jwtcrud/role/Deploy", deployRole).Want(204),
			GET("auth/jwtcrud/role/deploy").Want(200).Because("names are lower-cased; unset lists read back as null"),
			GET("auth/jwtcrud/role/DEPLOY").Want(200),
			POST("auth/jwtcrud/role/web", M{"user_claim": "email", "allowed_redirect_uris": "http://localhost:8250/oidc/callback,https://vault.example/ui/vault/auth/oidc/oidc/callback",
				"oidc_scopes": "profile,email", "max_age": "1h", "verbose_oidc_logging": true, "bound_audiences": "client"}).Want(200).Because("verbose_oidc_logging warns"),
			GET("auth/jwtcrud/role/web").Want(200),
			POST("auth/jwtcrud/role/old", M{"role_type": "jwt", "user_claim": "sub", "bound_subject": "s", "policies": "a,b", "ttl": "10m",
				"max_ttl": "1h", "period": "5m", "num_uses": 3, "bound_cidrs": "10.0.0.0/8", "expiration_leeway": -1, "not_before_leeway": "30s",
				"clock_skew_leeway": 0, "user_claim_json_pointer": true, "token_max_ttl": "800h"}).Want(200).Because("deprecated fields set their token_* twins; a max TTL above the mount's warns"),
			GET("auth/jwtcrud/role/old").Want(200),
			POST("auth/jwtcrud/role/old", M{"role_type": "jwt", "token_policies": "c"}).Want(200).Because("token_policies wins and clears policies; the max TTL still warns"),
			GET("auth/jwtcrud/role/old").Want(200),
			POST("auth/jwtcrud/role/old", M{"bound_subject": "t"}).Want(400).Because("an update without role_type turns the role into an oidc one"),
			LIST("auth/jwtcrud/role").Want(200),
			LIST("auth/jwtcrud/role/").Want(200),
			DELETE("auth/jwtcrud/role/web").Want(204),
			DELETE("auth/jwtcrud/role/web").Want(204).Because("deleting a missing role succeeds"),
			LIST("auth/jwtcrud/role").Want(200),
		),

		// ----------------------------------------------------------- login
		jwtScenario("login/github-actions", "gha",
			POST("sys/policy/deploy", M{"policy": `path "secret/data/deploy/*" { capabilities = ["read"] }`}).Want(204),
			POST("auth/gha/role/deploy", deployRole).Want(204),
			jwtLogin("gha", "deploy", jwtGood).Want(200).SaveToken("gh").Because("the auth block: metadata from claim_mappings plus role, display name from user_claim"),
			LookupSelf("gh").Want(200),
			POST("auth/token/renew-self", nil).As("gh").Want(200),
			jwtLogin("gha", "deploy", jwtTag).Want(200).Because("refs/tags/v* matches the glob"),
			jwtLogin("gha", "deploy", jwtES).Want(200).Because("an ES256 token verifies with the EC key"),
			jwtLogin("gha", "deploy", jwtTwoAud).Want(200).Because("one of the audiences is bound"),
			jwtLogin("gha", "deploy", jwtOtherRepo).Want(400),
			jwtLogin("gha", "deploy", jwtDev).Want(400),
			jwtLogin("gha", "deploy", jwtStrGroups).Want(200).Because("a single group may be a string"),
			jwtLogin("gha", "deploy", jwtBadGroups).Want(400),
			jwtLogin("gha", "deploy", jwtObjGroups).Want(400),
			jwtLogin("gha", "deploy", jwtNoActor).Want(400),
			jwtLogin("gha", "deploy", jwtNumActor).Want(400),
			POST("auth/gha/login", M{"role": "deploy", "jwt": jwtGood, "extra": 1}).Anonymous().Want(200).Because("unknown parameters: a warning"),
			DELETE("auth/gha/role/deploy").Want(204),
			POST("auth/token/renew-self", nil).As("gh").Want(500).Because("a token whose role is gone cannot renew"),
		).Then(DELETE("sys/policy/deploy")),
		jwtScenario("login/rejects", "jwtbad",
			POST("auth/jwtbad/role/r", M{"role_type": "jwt", "user_claim": "actor", "bound_audiences": "https://github.com/acme", "bound_subject": "repo:acme/app:ref:refs/heads/main"}).Want(204),
			POST("auth/jwtbad/role/noaud", M{"role_type": "jwt", "user_claim": "actor", "bound_subject": "repo:acme/app:ref:refs/heads/main"}).Want(204),
			POST("auth/jwtbad/role/web", M{"user_claim": "sub", "allowed_redirect_uris": "http://localhost:8250/oidc/callback"}).Want(204),
			jwtLogin("jwtbad", "r", jwtGood).Want(200),
			jwtLogin("jwtbad", "", jwtGood).Want(400).Because("no role and no default_role"),
			jwtLogin("jwtbad", "nope", jwtGood).Want(400),
			jwtLogin("jwtbad", "web", jwtGood).Want(400).Because("an oidc role cannot log in with a JWT"),
			jwtLogin("jwtbad", "r", "").Want(400),
			jwtLogin("jwtbad", "r", "a.b").Want(400),
			jwtLogin("jwtbad", "r", "a.b.c").Want(400),
			jwtLogin("jwtbad", "r", "!!.b.c").Want(400),
			jwtLogin("jwtbad", "r", jwtOtherKey).Want(400),
			jwtLogin("jwtbad", "r", jwtNone).Want(400).Because("alg none"),
			jwtLogin("jwtbad", "r", jwtHS).Want(400).Because("HMAC keyed with the public key"),
			jwtLogin("jwtbad", "r", jwtExpired).Want(400),
			jwtLogin("jwtbad", "r", jwtNotYet).Want(400),
			jwtLogin("jwtbad", "r", jwtFutureIat).Want(400),
			jwtLogin("jwtbad", "r", jwtNoTimes).Want(400),
			jwtLogin("jwtbad", "r", jwtOnlyIat).Want(400).Because("exp derived from iat plus the expiration leeway"),
			jwtLogin("jwtbad", "r", jwtNoAud).Want(400),
			jwtLogin("jwtbad", "noaud", jwtGood).Want(400).Because("an audience in the token needs one bound"),
			jwtLogin("jwtbad", "noaud", jwtNoAud).Want(200),
			jwtLogin("jwtbad", "r", jwtWrongIss).Want(400),
			jwtLogin("jwtbad", "r", jwtBadExp).Want(400),
			jwtLogin("jwtbad", "r", jwtNumAud).Want(400),
			jwtLogin("jwtbad", "r", jwtNumIss).Want(400),
			jwtLogin("jwtbad", "r", jwtPayloadArr).Want(400),
			jwtLogin("jwtbad", "r", jwtOtherRepo).Want(400).Because("bound_subject"),
			POST("auth/jwtbad/config", M{"jwt_validation_pubkeys": []string{jwtRSAPub, jwtECPub}, "jwt_supported_algs": "RS256"}).Want(204),
			jwtLogin("jwtbad", "r", jwtES).Want(400).Because("ES256 is not a supported algorithm any more"),
			jwtLogin("jwtbad", "r", jwtWrongIss).Want(200).Because("no bound_issuer now"),
			POST("auth/jwtbad/role/r", M{"role_type": "jwt", "token_bound_cidrs": "10.255.255.0/24"}).Want(204),
			jwtLogin("jwtbad", "r", jwtGood).Want(403).Because("token_bound_cidrs: a bare permission denied"),
		),
		jwtScenario("login/token-params", "jwttok",
			POST("auth/jwttok/role/batch", M{"role_type": "jwt", "user_claim": "actor", "bound_audiences": "https://github.com/acme",
				"token_type": "batch", "token_ttl": "10m", "token_no_default_policy": true, "token_policies": "a"}).Want(204),
			jwtLogin("jwttok", "batch", jwtGood).Want(200),
			POST("auth/jwttok/role/svc", M{"role_type": "jwt", "user_claim": "actor", "bound_audiences": "https://github.com/acme",
				"token_period": "30m", "token_num_uses": 5, "token_explicit_max_ttl": "2h", "token_bound_cidrs": passCIDRs}).Want(204),
			jwtLogin("jwttok", "svc", jwtGood).Want(200).SaveToken("svc"),
			LookupSelf("svc").Want(200),
			POST("auth/jwttok/config", M{"jwt_validation_pubkeys": jwtRSAPub, "default_role": "svc"}).Want(204),
			jwtLogin("jwttok", "", jwtGood).Want(200).Because("default_role"),
		),
		S("jwt/oidc/flow-errors",
			steps(jwtMount("jwtoidc", "jwt"),
				POST("auth/jwtoidc/role/web", M{"user_claim": "sub", "allowed_redirect_uris": "http://localhost:8250/oidc/callback"}).Want(204),
				POST("auth/jwtoidc/oidc/auth_url", M{"role": "web", "redirect_uri": "http://localhost:8250/oidc/callback"}).Anonymous().Want(400).Because("no client credentials: no OIDC flow"),
				GET("auth/jwtoidc/oidc/callback?state=st_x&code=c").Anonymous().Want(400),
				GET("auth/jwtoidc/oidc/callback").Anonymous().Want(400),
				POST("auth/jwtoidc/oidc/callback", M{"state": "st_x", "code": "c"}).Anonymous().Want(405).Because("form_post is not the response mode"),
			)...,
		).Then(disableAuth("jwtoidc")),
		S("jwt/oidc-type",
			steps(jwtMount("oidc", "oidc"),
				GET("sys/auth/oidc").Want(200),
				POST("auth/oidc/role/deploy", deployRole).Want(204),
				jwtLogin("oidc", "deploy", jwtGood).Want(200).SaveToken("o"),
				LookupSelf("o").Want(200),
			)...,
		).Then(disableAuth("oidc")),
	)
}
