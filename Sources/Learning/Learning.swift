import HeadMath
