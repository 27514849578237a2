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
	jwtRSAPub     = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxdqwKkll+d7fZmIaNdyU\nLkxtJt72QxQcV21LMfZg1hixbWws2cLMc+AQ2jhgcr0RCs0IAEhJklCqC3Sm7hhC\nuAejiobWwbvVTDgDfP/87RnazGD5ddVicQeXuG/PStMN687Czv+P4cbzQjLBD6kU\nrqlKY4u1PURb2QEWQqlWmqlGc20NE2BYxwFOM5CLEse1uigpM2stpIYMwmr61iYs\nmRRMa7O++BTULRKDiWjCT92ek0GOLhdPCWLYG7oOXgcF/QcdW42oERjDqeAJ5Tbx\n6m50ld0IDb1auxsrGYUXp4uInhwFReZFYTlrKHAICo2ktY5NKMV1bNCaDY+HW2Cd\ndQIDAQAB\n-----END PUBLIC KEY-----\n"
	jwtECPub      = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZzk13ovqbRkr9iPD/aQVgnmr1sBb\nvhy/RBwaLNCsxKkqdNFozCf0Xa58GDhsOz+EVteoZ8M/8yyWXIqhG8PBkg==\n-----END PUBLIC KEY-----\n"
	jwtGood       = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.rEQAeJgWUhpn1uONhHYixExaiuPmLeEE7EAacHpxQo2FYxHes__KZ0qPwTckkLdfWJpvVk5i3OGPVNnRHnXjeccOPQ3-UDWXxpKhgqX9Zew-cUOAnruZS_LyjYXHjGijDifpkPZN9echVcI1cYmXVVmY5bZK0wIhHY7DcoI5EiDEAkJU9kQh1686wsLKJcBRssud2H_0UrVFPbC98MP6SYaM6F_0To4FeFVCkC39rh7ys3bBHTmv6M5pDLqvpOZI3INm6bKOS8N59rpTbKn-lZyaXZbIDPf4OFEvbtlioAmCC-Fnkhwj_loxYvCTQ-pdxPd5q0Stu388LFlcvD1iwA"
	jwtTag        = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvdGFncy92MS4yLjAiLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL3RhZ3MvdjEuMi4wIiwid29ya2Zsb3ciOiJDSSJ9.RtyEMvnJVutzJeIH5uAlL8WIhmnyn17QNBpttJwSlL6czF0Kh-I6_akZB7uKmi-dqI_IfH-9Wo64LD_YXtI-sKRbBXrjD8UvlkK_v45L3S9_KW3MgDAA3kTHZe_hr9AtKVsbhf1YQIXiC7krTjLV5fxPvbClFXoO79pf6PL5Fdfnk_FcHt19XSZCJ8ODYUGPXQ5yCyH_unlUcsqa5oSQvuB_NLVsJs3aOjTX5Gi9f3gi9vdcY98fGAc_NGFzpCGVDI_vqKLkHjrwb8XFrCAsV7_SP-IlOcn8LdI0c8pgqVzPXwRffkdDDDmWqX6w1iMfr4BXYciY30JJYKstRQ79iw"
	jwtOtherRepo  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJldmlsL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86ZXZpbC9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.Ff-pFWAdkqveFpnU-SMWG8LlvxGnEpVTqFT8qmPHITmBmtguORSHB9H-cG7weJKiSgifzaGikrMUlcbd2DNG_jnaQ8Xhr3NxqdUJwGrG_Y-m5pCWDPOLhgR0iBZprc9XnciwMm0mQwylZ8Psx6R3PoshBTqTv8BayeHU_LQrhC25cxLh5kt3M02-jdblA1iKUdxePK7eUB4X5BwXyjDjp6hfbZJkbtngThQauXqKFhjW-ZtQyQU5x_EyRKLcb_BPOSQYV251jGxXnOKOqxyy6XOzmST-GcnzuRdxtFVi0gUoMpJOIco-Z3XzbcUW6LrW13WsNXr7Lr3NiCXlL-2tmQ"
	jwtDev        = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvZGV2IiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwid29ya2Zsb3ciOiJDSSJ9.SUIknQo9L6bAMmv37Ois3HaNw9QCECsGCRoDgDL2xJwDOkhiH8Gr3-OH_dGCbXwrCNvY2013J_Ai2H4vdh0h2_CijoXnp7goBv_f5y-_VhzDLcT2Zg2Iabvg4otzNNGyKPuKuCcgZZ62z4X3lRKzuv3KtRV7RGNjf1OJsYkVmOvKAGJTy1cfJeyBaI5oxjr3HHui-fiuqulq_8pKvcOKwP674IQC22NymGnwAM5jY3Qi1WznmD0AzNk6LbDKJchmUwJ4u0Eo4sEUIHiyHwz9vO309ui7ELF259rO3dULA9rsug7XxiKR_LviAqho52jOpi_ER2R7KHnynD2o3jDY9g"
	jwtES         = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.Uc3pXBuyLK0CeKO5W_kyV1Hnyy7u_yrll4hnxgbEP25Mr-1Z51xRTsj8tgyOOJ17NSPA6I-LnwSzReuhlb-iJg"
	jwtOtherKey   = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.w6TK6Qkczt736IrPT7FDu-0vHKDuL0nE25J_Y8wYVsZYsLQWjdz3nYwFoN1BIVkjWFi11Ubz3PQ25dS7hwl2_PXqV8j7wcSRK7Tn-ztGHZ8ghofWztaotAIPJexnR2W_QM2ynkatSjTTT9tJNr_2_gL9BcV0I5LuJJNoMYrEReeRVuhS65SKWgYeZkUYNMBqNUeVe1mighRwduEcD1Swp6jdOiKQEYkjIemj_U_O3LOOahc9UvbbbYWOXOBwF1vqxWChJUbGfGr9kQS7VMCUqA5WBdurz56ErOXPtkl6ap06hdkaB70kQdf9GvE8bXycttL8w4zXXXLZMA4g0to20g"
	jwtNone       = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ."
	jwtHS         = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.oh1IBwgDSknbkd-umHduCcT4n1wKxmTBvhH_dy0A_iA"
	jwtExpired    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjoxNzAwMDAwMzAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.Vj24TZHsNTVo_hX9uPTVXlc1Vo0HBYXqQgLKKAtwqcP4d_34bJhrBFs24CXA_Yqi9c5MTrAZwbBxFtqkp2dNHVv11g4skssjb5Ov70yjlkRv3Cehrpcv3JZWcxMcrmavZdRJF6QxO8mywIYnV9YEJjIEiQQzFTIGrhWrRcHPpJQPcZnoj2wm6BBSGwN-uyQuACgFhl0k4A8Letx31gvCgoqiIxZ7D6h_YArwrXJfJT6n0ZT_nHIYHk74KP_SuEzbHSMeLU9tFJsKCXtTkg7evl8UevzhJESFHmqsoj9Hejv7HKp9X4tLwW3dq2q97geFFXtbNTFqEHZrL-iZNzZ7ng"
	jwtNotYet     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjo0MDAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.Uief3er_PZvjRAVeXKYUt1nIMvcLmOKq4kZ9QDzvzOqy4vWLBoU7Vpz_3d_I4uPVyS-LKrrVG6XfEVJjOXyDhKElkr0ooFQk52bka_W-7t5MWiOqmJhTkl97mVEoJdGyEd8HEgFNn7rQ4rTdpzugHfkDHVJbg6MKaIanEouf5HlxRFwtu65EE_QeAXXKbayso9UaBko41K3BiQoMgi1Fs2c6XBG2omaKCG82dbXYtecs4xuZinABB4Jib1_wdISopWY7GXZFAdHWVqnYczuTbdAURVC8YpkqoWTs-Ad0DUOeWe3V7dMpYo4ERk5cYSKtK3yKpkd-02vbtKLVH046jA"
	jwtFutureIat  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6NDAwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.XXqek4vSUG_3OTPxZwoujddS2wwlQwxVr-eWb1FmYPToLVzugPsVYUE3TBDq0qUvNLtrdtwCXP-Jd_MSlj21ISPgZbGqnDj3QnNU_IYodIjzNT6SrU_W7RbjKL_CPCPhFjwqpOEdBsrk3VSedKRDGTyrCR2mtXgmWDimnqZ4wjVLE3pjbTqq0t_KjoShEVu9o9X0MPTUuRbYrBF3FKRd3vQkyFknv7rdfEZ2T_5MC7cu4L9mI9nqEO1KaoNBip2r8CYhha-UtxVC_Wy1f0D_Xf4nxtL9YdNZ1k_GWmNX74oriRl6iGtdSuqpCW2kXCb53ys9uNzQrfLsciVftBdvYA"
	jwtNoTimes    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZXhhbXBsZSIsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.c0pDBzlsj8AeyeGU2He6vI-lu1wjBZ0ULtlgAJSIUkA5G43YOKev_1xF0iyjXxuCpukBZL04OPgbY53Iah58_SufnGh3ouZM8cKKfRq6X1SO31_vH_QCp8hcnu8_NzuHBnBKaJFz_VtP3p-yEndVhfWsDmgBBtbLSyjcfG3li0wJBN3FLg8VXUyt1f7JDa1FnwNkevkSITsExlYkL7L1SxHpvQMvpmlbsogH6GbPioJs_PADHTJ_OjbH74nuW2kIZTjgGOhk9qw83AEPmCQOfWKuXI1HbpCxeBBaCdlr_iyIZdCOdV5xW3ExNDaI_5EToV_c7YgjOdV1IfgM5Yx2UA"
	jwtOnlyIat    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwicmVmIjoicmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwid29ya2Zsb3ciOiJDSSJ9.I0ihObAckMqGG5bJdjaxs9DeIuTscM4dVLWRRevOjeork9X0GKFwlV6q_-bM0Q1tPnEAX8t0zS5Uo7sttzzsSQ2yEa_OPPpvT3z2iubpzaR3BIggDU1kPJFWMAxi2Ou2LXGQt9nPDx1P_Z0BOCOdzPg-LBikZ2iCvhGAJDXzVa54na6-p_D_itsZ1rNB7VpUE5XpFTHfo3ZVbwU1d5msW2CRYhmA2mi4LmdwNXTDH-mYMGGdn6N1rTNqC17bE-Bjut-aY09Gh5JpKV_KVcRF8cslLK1Owu3TFspf2gtQ7hmNkm-DpPh2s5HZhEeUDvGp9Su15sGdR8hIxOt9B-On5g"
	jwtNoAud      = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiY29udGV4dCI6eyJlbnYiOiJwcm9kIiwidGFncyI6WyJhIiwiYiJdLCJ0ZWFtIjp7ImlkIjo3LCJuYW1lIjoiaW5mcmEifX0sImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.T1ElOZMJGfDyBxb7hnUQmi_mi8DnQsAmBYCNW5kU53vnza3VrywCuCV6bXQuVMdm_R6MnOncV6dsD9Vkke7UboGZm8eVg1OhVR2tpqdmqst7VSssEZgbtk0siM790o4MagC-h0LAPyDu4oKGjhNjcFW0YC3X162VqHZyHND0BCQgmlU6C4OS2TXWHBjXRwylSedL6g4YUoCtX-kgyjUfS7lUu6bgyZp5wPv3snqU5RArhUV7TCB8PfL0FxplgfASwfOkXf43N7NstGQ5vhVmwuXqtNB0yY0e8P5L-95AiB4nedxkzWjYbzJGe5H0Ugy7sPi3-3dADJZgtgMWl5De5w"
	jwtTwoAud     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjpbIngiLCJodHRwczovL2dpdGh1Yi5jb20vYWNtZSJdLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.SA7TTpvYdxn10yvYmqkq6cLCb6LOijX0JqHra2fLQRPZFOyTnoaRHSRW6clxGsaLJlM7FCd6nJI-9OeE3m-vBSxbR1QtyJFHlMHqz_qdLeEsppoy6YGf-LRTXHrJIOJ1vUtqknu630ax3S2jbEqckKr90jJA9OAnf3FMPJ1ciTf7sUKLJtrzl750K7bvNUJj1Knp58piHq0rUqnjPpjf8l9XCGI2DWIf_9iaN7Jg5nyCleT62J-ihFngwJ3Pk3hABCr_Sb1MeoAnwsCDkLUkNCEVW58MSz1Auh9zeMNfmfkQjHlFqGEbqUJ8j2209lnWIUhBdh32cMtjOEc-IPzywA"
	jwtWrongIss   = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly9ldmlsLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.V8XDQsQAwDJ9TKxVGRtq7PTZzRaWdvM6z457i2QbWgdwNoIL9BTS4OUpjfoiBJVW2sLfNWkGwbCKIxFwbwi5kj2sXhfMAQsnr0cSch_-3LKw3hgDGuaGUl94NG3YpjUOBIxEMeLoUabWtzVyIziWuSIAjtYwAj6qNhjK7wbui391nTZWeFL7ebuunWA6GO-_rJ7Jr4UiFvN6BVj7bZITN5sxnhpn4jz7Jrrg4c5gDIxZtUNHGFL8i4zyWPaYU7ChX5nE0ibnLPYVHj-OUewvNMSZb5yNGVR87vinOuF_YHhMqOfjTuHZ5FNEEUlAKZWzkCn6UnFWiiw-ZYjCmkrIow"
	jwtNoActor    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.dWNN2xDNaZ7hEKIQfQvZqagSxUtK1LK-lsbmRVqxOfV_o-B9_JuV2xA4Y_ULcNsqaTynqmteIa0-QdlaJyEvtlfd1Q_ORtXv1Yc4QEtSkzd3auXdTki3z36AWTiHM04QTykIpDLW67Mw3MmS4nnQFvaY5X24lgA4p0HyXWM2hE8xVRylb_NvjDl6z_4TPx0_Olt8qhC5DZ_1r0a4BzhJ37Q5mSvy9jJOEo7_vkR05dRaEQUQu6AHHS0KSGcGLVRg3DGLF6fdXpKg16XGJgpxgdFQZJg5KsBRmAxA2B5y9aR5IWW6MSUTHlI_M7G0linFfVp7lU6hPlB7xOdYFJS57w"
	jwtNumActor   = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6NywiYWRtaW4iOnRydWUsImF1ZCI6Imh0dHBzOi8vZ2l0aHViLmNvbS9hY21lIiwiY29udGV4dCI6eyJlbnYiOiJwcm9kIiwidGFncyI6WyJhIiwiYiJdLCJ0ZWFtIjp7ImlkIjo3LCJuYW1lIjoiaW5mcmEifX0sImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQyLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.cWhZictExxe-p7O6yRg1sd_mkEjQVYoO8vDqxa5U7wT3dKxYbWzvjhUZbYXlVfWrFfxtn_jpdGJyiuDpEmPmAbjGFBLzBHsoB5mUZyzzVSiHguviZYv7t0__guynil2odCta3iK32koQB2AxBTMobltp6MMzaajVTI-9TN7g4j5fc3qz3Fhak8DX3vsEdfhbLXGw1cqVhKHHZhwTXWiLPmiDksPoXqSyslf6WqoSvr0V7z8peXWWsMOd7DJpgNoXfXbut_MdMvpQFaZHd7G-6N8FBfivsdmQ5tAn03ouQIBOL8BH5S2dSQf1uB8p8ZQ6yyxDVGREi9cp0rVW1H4oyA"
	jwtStrGroups  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOiJzb2xvIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZXhhbXBsZSIsIm5iZiI6MTcwMDAwMDAwMCwicmVmIjoicmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwid29ya2Zsb3ciOiJDSSJ9.DVj69rexUxmzwzIg_dv9L1PG8XH3xi6QBVYhQO5z0lWiF3cMF-nJAr5YkwC8xGIE7hwwD6KyEp6OYeLKJ8gUnQ7C9H0QV-ppyvSKWWX5o0mB5KRdwcTC-TVefcp7fwGvUKKFc_YHSAHeYwGNlWAcOe3LL7VJHoeXgv_CXDZqcg32GwHeZuuoly1poTUf2qYPKczwkJBwXiCdXUkf5a14ZoDWMi2-oiMGcj2X9vpBfux58EL76E6ioXPoRaHn5_jL-DminTs00lsE4hmu8s_l7gbi5cy47SGfbKwMqzu6WKUxRCv0eJeCCqA-w3-8RXLtgFKbyjEMHVYMgpBqNQ-EwA"
	jwtBadGroups  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiYSIsMV0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.u5KIlldCrRqHEMoRI31cojXCyqEzic6hCLTjabOobRFPhBowJM4Rqg9Edrie1u0aLZJwi6qpXoIJ7KM06L9M3raRcI5HpuxFS94BWLr2QLNs-hhV9MgKaZZtJx9cggsGW-CWJLmZGHidDf6GXwhOQ5CNo5u8lpJHx79F6lW_93_TGT_YZUFrYvtAj6yrVzg4H7QLggJhVejtzz0XeZ4Oy9w6cJO5bqGqy6qHQpv2b20D3hjGzmeAXz9HYHFOmvNA4Ljv2S5FAGj0D9vgWsd8RvV8ek1juiJLJUZZ7sGT-3LlQcfTFPLuKkQ5d-IAAbtBDyaKoWVpR6ORBSaSWY3XvQ"
	jwtObjGroups  = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOnsiYSI6MX0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.Omhk72vnFBevD0jHZnyR_E9WvghX-zSKfNQnZ1wDadR8V3BFpYG8cgO5pkyfEPMupMHu1qKlf3Va9W0Y5KJwjSSbC_SgebgbtRxMKf4UlXIt4-55vRrxl461Wa_0l3BVSdHk1wNXb1FksnnmDJvYe84etJrpFUI5z5qoEkk1iszlO2xQ7Qgn5p0LGx45YbM_97KGCLEYlpZ3IvFflfpmxWn2mCzs_IzyVT7fsfaxkp3zJQiLf7gG1iBfDHg8RTUoFkXWzjsNDKTGFB11AfPfWihjnsF48D27uSYTHxuEaMS2whQZWC1Xn_0zd_gBxvDcGlqV3PYd3ZUi6kW9SS0gCg"
	jwtBadExp     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjoic29vbiIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZXhhbXBsZSIsIm5iZiI6MTcwMDAwMDAwMCwicmVmIjoicmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6ImFjbWUvYXBwIiwicmVwb3NpdG9yeV9vd25lciI6ImFjbWUiLCJydW5fbnVtYmVyIjo0Miwic3ViIjoicmVwbzphY21lL2FwcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwid29ya2Zsb3ciOiJDSSJ9.Ai7L_M2W_tSNzHiO-ceRD_tpTDXToBJc6MynFZOyggNWx2dTgLy6XE_Ge_5baS6aYfkKu81os-OE4KJXmPa3Z9YORIvBcgN--PEoX2UoZOxSmN88jCAY6Jm0Ucne1q7lITmuTPti6aOK0KRe8qRAOctAs1rtWhg4FDjw6zmYFgwoW67FBaZhegdrLIyQAYA8PMFkVwi4kXpz0nH_syRouwy4CbuCZEU5TeEsqpR4iHgHuMkCVUugS9QjkEnsccGnFzw0u53h-Agbx0ORXjMiIv4_VBNtGC0GdGrpcaCBfOttUM1MuwTU1Gz-u13xN0AhccZXAkabzKML5JNTMqIdqg"
	jwtNumAud     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjo1LCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.vH0Yx4CPvYZGU_KWlwAIags7vbjOy6oT03pqHLTjyYCpAdpBWMLWIZ5K3iKP98n1aCEOYRYvLJQi7tvSoDhFw61i6Zd8FWP6PGrV_EJhWK5Ti0OJxit7LbrkdhUBEp-2CTHyBXi1xLL8CJvCIPMSC6DjtcNhiBXPmjjm3UWRj5m7VIZ7A-afzkHbNleyb05S-dPE-bz-YVTL0JfyuFzWylmOIEOvodHX4__NdsP76bP4fIKy-ZzRGFxdm0Ud9zBfU71tBIVI4wsQfAsJPimmTDK6Rw-HV4s6IR0hoQ3csBTeMxg5tA5pNOmqScy3rPJkuIMKvEsJ7iZeTokLYrvF7w"
	jwtNumIss     = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjo1LCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.NWrcCg5J52S0mVrvn_GtrhEtL77vEA-tqWMdQJa2t9tnEy3Ys0ykD-KyVLosGGe8O3EHKQ4oDe4tCH5XkTsBMheVG1R8hv9WB4shl0fmO4tLPVq4KPHEjuZ1ffmxLGeEEmGtRM3QKCMvTs4nDgfa6YeISxp929gGIvQc4ZlG3cyeQ9wjGrnxr87MPVHKBuRF4PNCl0sIGuq4xgN8veMX8IPFK-atTHtREZYxDFZNP5nx2_KUou0e-szt2EE2J_gNeZbTZGsRxx4cH3hjY1vnr_lv1lKbWnsiYOepw1taKIwXj4CKcJDnh0s00uPPxklT07GadlRgE7hJpKCIk9Szfg"
	jwtPayloadArr = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.bnVsbA.m4D4bIsvzeBznMt9H2R9-9ZsqnXLnRGU9asmBo8hynTF6M5gPQRJzoHh_g9qXm9dVHCHJQyNbecat9tjULBv3BGN9CjunxNXiCES7mtIKeWF2YDz7q_lBKaQfVhwxaK8vJ46m5kDz9WlydlqzGQbdjpqQ2twJRRMJuP_ipjjrQ_wlQTIufpoMyfMWYnlQ7u1zdNt4G9_cStAmGKyoDT4tCgnOULjQ0dURK17DNN1eYO3gU2csCacWCCIODTTGZOsgve7pkiChLuxr_VD__UJV7uPxiRDYb4HftrGbg9DRjBruRquPpIe-tqaJe5pyGNqP2eCSA8iI3IRtg6vWxkHRw"
	jwtEdPub      = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAYur41CKauxr2afM8NUlzYyBV5Wb2FYkt7hJEE0G3NY4=\n-----END PUBLIC KEY-----\n"
	jwtEd         = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.oGNcBy5m5deJn8F-A3qfCVE8Ktsgtv_pqWl9Qp5tgxMuZmvxl1IZyUiPApVnwCFUNogxoqG5xhmhVneoKW6gDQ"
	jwtPS         = "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6dHJ1ZSwiYXVkIjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUiLCJjb250ZXh0Ijp7ImVudiI6InByb2QiLCJ0YWdzIjpbImEiLCJiIl0sInRlYW0iOnsiaWQiOjcsIm5hbWUiOiJpbmZyYSJ9fSwiZXhwIjo0MTAyNDQ0ODAwLCJncm91cHMiOlsiZGV2Iiwib3BzIl0sImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly90b2tlbi5hY3Rpb25zLmV4YW1wbGUiLCJuYmYiOjE3MDAwMDAwMDAsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlcG9zaXRvcnlfb3duZXIiOiJhY21lIiwicnVuX251bWJlciI6NDIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsIndvcmtmbG93IjoiQ0kifQ.jnHIG1F0GS0b0WGFv-sqW2ewY4mJrIF4_PES49flZ2pns_MFaefGFKAE2RLSh9A9cmVavRCJSa34GaHZ4MGt3h-DORK5saCQCFf5L_Xf8p-taP1IRaIFa00pVjKQTZA9ZS342FNZpILCNoN2GwCcDQA0RrFUX4voTvuisK7_5T5P5yw9jOIJVdcTPC5xvF5Qbi5O5yP_HLLqK7cuKthGQw3Xg5Y1CD__PS7kshdJma12nwRnUIFWUoEwmGGljBAFEFltTfFIiORWG9akuyQAkDWtkKZWOt5l6uf0kUaboIOyh4c6nGQ3TSuS9-7Fo6911C0-847A35zDL5GrEhXStg"
	jwtProd2      = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY3RvciI6Im9jdG9jYXQiLCJhZG1pbiI6ZmFsc2UsImF1ZCI6Imh0dHBzOi8vZ2l0aHViLmNvbS9hY21lIiwiY29udGV4dCI6eyJlbnYiOiJzdGFnaW5nIn0sImV4cCI6NDEwMjQ0NDgwMCwiZ3JvdXBzIjpbImRldiIsIm9wcyJdLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vdG9rZW4uYWN0aW9ucy5leGFtcGxlIiwibmJmIjoxNzAwMDAwMDAwLCJyZWYiOiJyZWZzL2hlYWRzL21haW4iLCJyZXBvc2l0b3J5IjoiYWNtZS9hcHAiLCJyZXBvc2l0b3J5X293bmVyIjoiYWNtZSIsInJ1bl9udW1iZXIiOjQzLCJzdWIiOiJyZXBvOmFjbWUvYXBwOnJlZjpyZWZzL2hlYWRzL21haW4iLCJ3b3JrZmxvdyI6IkNJIn0.jdIEXlLTa-vHxlGxR4Gr3S5QUk6a_cyhwc99HbTvvBLiXXuYN1exSYGMsOEo3ncO6R2ehXHkPmM8bLXauaBJ6CqNKuDRlPjDPNji1pvHLgwkYbTxJMX4UN3IQCKs14GvWidQez802G1nu0d6jPY0zBtphSE8JO4pmGl4jELR79hxSSOMM2zMGWcgcqeLGuqcaMNqoNvE3Cc0phk5fdcjf0lZfmsRJJ9o_DnQjLuEDqKww_EaZciyRuSDXdBt1MsxDPw4NUCfALXksC1EK-mKtJuHktjL3z_nwDtjpzE5HKSF0K_s6VZY1mtXm1t7CBlVchWR4wFxXhgIb3tExiBbmQ"
)

// jwtMount enables the JWT method (type typ) at path and configures it
// with the suite's public keys and issuer.
func jwtMount(path, typ string) []Step {
	return []Step{
		POST("sys/auth/"+path, M{"type": typ}).Want(204),
		POST("auth/"+path+"/config", M{"jwt_validation_pubkeys": []string{jwtRSAPub, jwtECPub, jwtEdPub}, "bound_issuer": "https://token.actions.example"}).Want(204),
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
			POST("auth/jwtcfg/config", M{"jwks_pairs": []any{"x"}}).Want(400),
			POST("auth/jwtcfg/config", M{"jwks_pairs": []any{M{"jwks_url": 5}}}).Want(400),
			POST("auth/jwtcfg/config", M{"jwks_pairs": []any{M{"jwks_url": "http://127.0.0.1:1/keys"}}}).Want(400),
			POST("auth/jwtcfg/config", M{"jwks_pairs": []any{M{"jwks_url": "http://127.0.0.1:1/keys"}}, "jwks_ca_pem": "x"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwks_pairs": []any{M{"jwks_url": "http://127.0.0.1:1/keys"}}, "bound_issuer": "x"}).Want(400),
			POST("auth/jwtcfg/config", M{"jwks_pairs": []any{M{"jwks_url": "http://127.0.0.1:1/keys"}}, "jwks_url": "http://127.0.0.1:1/keys"}).Want(400),
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
			jwtLogin("gha", "deploy", jwtEd).Want(200).Because("EdDSA with the Ed25519 key"),
			jwtLogin("gha", "deploy", jwtPS).Want(200).Because("PS256 with the RSA key"),
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
		jwtScenario("login/claims", "jwtclaims",
			POST("auth/jwtclaims/role/claims", M{"role_type": "jwt", "bound_audiences": "https://github.com/acme", "user_claim": "/context/team/name", "user_claim_json_pointer": true,
				"bound_claims":   M{"run_number": 42, "admin": true, "/context/env": []string{"prod", "dev"}},
				"claim_mappings": M{"/context/team/name": "team", "/context/env": "env"}, "groups_claim": "/context/tags"}).Want(204),
			jwtLogin("jwtclaims", "claims", jwtGood).Want(200).Because("numbers, booleans and JSON pointers in bound claims; a nested user claim and groups"),
			POST("auth/jwtclaims/role/num", M{"role_type": "jwt", "bound_audiences": "https://github.com/acme", "user_claim": "actor", "bound_claims": M{"run_number": 43}}).Want(204),
			jwtLogin("jwtclaims", "num", jwtGood).Want(400),
			jwtLogin("jwtclaims", "num", jwtProd2).Want(200),
			POST("auth/jwtclaims/role/str", M{"role_type": "jwt", "bound_audiences": "https://github.com/acme", "user_claim": "actor", "bound_claims": M{"run_number": "42"}}).Want(204),
			jwtLogin("jwtclaims", "str", jwtGood).Want(400).Because("the string \"42\" is not the number 42"),
			POST("auth/jwtclaims/role/bool", M{"role_type": "jwt", "bound_audiences": "https://github.com/acme", "user_claim": "actor", "bound_claims": M{"admin": false}}).Want(204),
			jwtLogin("jwtclaims", "bool", jwtGood).Want(400),
			jwtLogin("jwtclaims", "bool", jwtProd2).Want(200),
			POST("auth/jwtclaims/role/missing", M{"role_type": "jwt", "bound_audiences": "https://github.com/acme", "user_claim": "actor", "bound_claims": M{"/context/nope": "x"}}).Want(204),
			jwtLogin("jwtclaims", "missing", jwtGood).Want(400),
			POST("auth/jwtclaims/role/badmap", M{"role_type": "jwt", "bound_audiences": "https://github.com/acme", "user_claim": "actor", "bound_subject": "repo:acme/app:ref:refs/heads/main",
				"claim_mappings": M{"/context/team/id": "team_id"}}).Want(204),
			jwtLogin("jwtclaims", "badmap", jwtGood).Want(400).Because("a mapped claim must be a string"),
			POST("auth/jwtclaims/role/nopointer", M{"role_type": "jwt", "bound_audiences": "https://github.com/acme", "user_claim": "/context/team/name", "bound_subject": "repo:acme/app:ref:refs/heads/main"}).Want(204),
			jwtLogin("jwtclaims", "nopointer", jwtGood).Want(400).Because("without user_claim_json_pointer the user claim is a plain name"),
			POST("auth/jwtclaims/role/glob", M{"role_type": "jwt", "bound_audiences": "https://github.com/acme", "user_claim": "actor", "bound_claims_type": "glob", "bound_claims": M{"/context/env": "pr*", "workflow": "*I"}}).Want(204),
			jwtLogin("jwtclaims", "glob", jwtGood).Want(200),
			jwtLogin("jwtclaims", "glob", jwtProd2).Want(400),
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
