package e2e

func init() {
	Register(
		S("sys/health",
			GET("sys/health").Anonymous().Want(200),
		),
	)
}
