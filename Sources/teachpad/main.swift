print("teachpad: not yet built")
