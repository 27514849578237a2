module github.com/mockvault/mockvault/tools/hostile

go 1.25
