"""Live sync: rooms of sockets per event, fed in log order from the bus."""
