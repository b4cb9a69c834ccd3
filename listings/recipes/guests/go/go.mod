module example.com/greet-guest

go 1.24
